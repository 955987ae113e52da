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
