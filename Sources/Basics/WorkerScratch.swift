import Foundation

/// Scratch memory for the engine's workers, kept from call to call. A layer streamed in bands is computed
/// hundreds of times a picture (each band, each worker), and each call's few MB of fresh buffers cost page
/// faults and zeroing (6% of a VGG run's profile). The memory is not initialized: a caller writes every
/// value it reads.
public enum WorkerScratch {
  /// Buffers kept at most, and their bytes at most.
  static let keptLimit = 16
  static let keptBytes = 256 << 20

  private final class Pool: @unchecked Sendable {
    let lock = NSLock()
    var free: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = []
  }
  private static let pool = Pool()

  /// Calls `body` with `count` floats (64-byte aligned), from a kept buffer when one is large enough (and
  /// not more than 4 times as large), kept afterwards.
  public static func withFloats<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
    let wanted = max(64, count * MemoryLayout<Float>.stride)
    let buffer = pool.lock.withLock { () -> (pointer: UnsafeMutableRawPointer, bytes: Int)? in
      let fitting = pool.free.indices.filter { pool.free[$0].bytes >= wanted && pool.free[$0].bytes <= 4 * wanted }
      guard let best = fitting.min(by: { pool.free[$0].bytes < pool.free[$1].bytes }) else { return nil }
      return pool.free.remove(at: best)
    } ?? (UnsafeMutableRawPointer.allocate(byteCount: wanted, alignment: 64), wanted)
    defer {
      pool.lock.withLock {
        if pool.free.count < keptLimit && pool.free.reduce(buffer.bytes, { $0 + $1.bytes }) <= keptBytes {
          pool.free.append(buffer)
        } else {
          buffer.pointer.deallocate()
        }
      }
    }
    return try body(buffer.pointer.bindMemory(to: Float.self, capacity: count))
  }
}
