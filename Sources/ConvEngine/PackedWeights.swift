/// A layer's packed weights on a 64-byte boundary: the kernels load them 16 floats at a time, and a Swift
/// array's values start 32 bytes into their allocation, so every such load straddled two cache lines (the
/// Winograd kernel alone ran 12% slower so in a C harness; its scratch likewise, 22%). Written once, then
/// only read.
final class PackedWeights: @unchecked Sendable {
  private let values: UnsafeMutableBufferPointer<Float>

  init(_ floats: [Float]) {
    let memory = UnsafeMutableRawPointer.allocate(byteCount: max(1, floats.count) * MemoryLayout<Float>.stride, alignment: 64)
    values = UnsafeMutableBufferPointer(start: memory.bindMemory(to: Float.self, capacity: floats.count), count: floats.count)
    _ = values.initialize(from: floats)
  }

  deinit { UnsafeMutableRawPointer(values.baseAddress!).deallocate() }

  func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(values))
  }
}
