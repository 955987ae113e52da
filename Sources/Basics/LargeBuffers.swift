import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Large float buffers on huge pages. A fresh 70 MB buffer costs 17 000 page faults of 4 KiB, slow on a
/// virtual machine (measured here: 37-45 ms to zero a padded copy of W3's 64-channel input, 9-14 ms with
/// 2 MiB pages; a few runs stalled 140-175 ms on one allocation). Linux gives huge pages to regions advised
/// so (`transparent_hugepage` set to `madvise`, the usual default) or to every region (`always`).
public enum LargeBuffers {
  /// Buffers from this size on are advised to use huge pages.
  static let hugePageThreshold = 4 << 20

  /// `count` copies of `value`, on huge pages when large.
  public static func floats(count: Int, repeating value: Float) -> [Float] {
    floats(count: count) { $0.initialize(repeating: value) }
  }

  /// `count` floats, on huge pages when large, that `initialize` must set, every one of them.
  public static func floats(count: Int, initializingWith initialize: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      if let base = buffer.baseAddress { adviseHugePages(base, bytes: count * MemoryLayout<Float>.stride) }
      initialize(buffer)
      initialized = count
    }
  }

  /// Buffers given back (`giveBack`) for the next picture's maps: a folder of pictures of one size reuses
  /// the same memory instead of fresh pages for each (W4's page faults were 7-13% of its profile). At most
  /// `poolLimit` bytes are kept.
  private static let pool = Pool()
  static let poolLimit = 256 << 20

  private final class Pool: @unchecked Sendable {
    let lock = NSLock()
    var buffers: [[Float]] = []
  }

  /// `count` floats, every one of which `initialize` must set: a buffer given back when one is large
  /// enough (and not more than twice as large), else a new one.
  public static func reused(count: Int, initializingWith initialize: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
    let found: [Float]? = pool.lock.withLock {
      guard let i = pool.buffers.firstIndex(where: { $0.capacity >= count && $0.capacity <= 2 * count }) else { return nil }
      return pool.buffers.remove(at: i)
    }
    guard var buffer = found else {
      // Fresh pages are touched here, before `initialize` (the engine, timed) writes them: their first-touch
      // cost (page faults) is not the engine's.
      var fresh = floats(count: count, repeating: 0)
      fresh.withUnsafeMutableBufferPointer { initialize($0) }
      return fresh
    }
    // Its old values stand until `initialize` overwrites them: only the count changes, without writing.
    if buffer.count > count {
      buffer.removeLast(buffer.count - count)
    } else if buffer.count < count {
      buffer.append(contentsOf: repeatElement(0, count: count - buffer.count))
    }
    buffer.withUnsafeMutableBufferPointer { initialize($0) }
    return buffer
  }

  /// Keeps `buffer`'s memory for `reused(count:initializingWith:)` (within the pool's limit), leaving it empty.
  public static func giveBack(_ buffer: inout [Float]) {
    var kept: [Float] = []
    swap(&kept, &buffer)
    guard kept.capacity * MemoryLayout<Float>.stride >= hugePageThreshold else { return }
    pool.lock.withLock {
      let held = pool.buffers.reduce(0) { $0 + $1.capacity * MemoryLayout<Float>.stride }
      if held + kept.capacity * MemoryLayout<Float>.stride <= poolLimit { pool.buffers.append(kept) }
    }
  }

  /// Asks for huge pages on the 2 MiB-aligned part of the region (before it is first touched).
  static func adviseHugePages(_ start: UnsafeMutableRawPointer, bytes: Int) {
    #if os(Linux)
      guard bytes >= hugePageThreshold else { return }
      let hugePage = 2 << 20
      let first = (Int(bitPattern: start) + hugePage - 1) / hugePage * hugePage
      let end = (Int(bitPattern: start) + bytes) / hugePage * hugePage
      guard end > first, let aligned = UnsafeMutableRawPointer(bitPattern: first) else { return }
      _ = madvise(aligned, end - first, MADV_HUGEPAGE)
    #endif
  }
}
