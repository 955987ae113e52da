import ConvEngine
import Foundation

/// Where a layer's maps come from: a tensor already in memory, or a conv layer that computes any block of
/// filters x rows on demand (so that maps can be produced in bands without holding them all).
struct MapSource {
  let count: Int
  let height: Int
  let width: Int
  /// Writes maps `filters`, rows `rows` as (filters.count, rows.count, width) into the pointer.
  private let fill: (Range<Int>, Range<Int>, UnsafeMutablePointer<Float>) -> Void
  /// Seconds spent in the engine, and its floating-point operations.
  private(set) var engineSeconds = 0.0
  private(set) var engineOperations = 0.0
  private let operationsPerOutput: Double

  static func tensor(_ tensor: Tensor) -> MapSource {
    MapSource(count: tensor.channels, height: tensor.height, width: tensor.width, operationsPerOutput: 0) { filters, rows, out in
      tensor.values.withUnsafeBufferPointer { values in
        for (i, f) in filters.enumerated() {
          let from = values.baseAddress! + (f * tensor.height + rows.lowerBound) * tensor.width
          (out + i * rows.count * tensor.width).update(from: from, count: rows.count * tensor.width)
        }
      }
    }
  }

  static func conv(_ prepared: PreparedConv, threads: Int) -> MapSource {
    let g = prepared.geometry
    return MapSource(count: prepared.conv.filterCount, height: g.outputHeight, width: g.outputWidth,
                     operationsPerOutput: 2 * Double(prepared.conv.multiplyAddsPerOutput)) { filters, rows, out in
      prepared.compute(filters: filters, rows: rows, into: out, threads: threads)
    }
  }

  private init(count: Int, height: Int, width: Int, operationsPerOutput: Double,
               fill: @escaping (Range<Int>, Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
    self.count = count
    self.height = height
    self.width = width
    self.operationsPerOutput = operationsPerOutput
    self.fill = fill
  }

  mutating func fill(filters: Range<Int>, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
    let start = DispatchTime.now().uptimeNanoseconds
    fill(filters, rows, out)
    engineSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    engineOperations += operationsPerOutput * Double(filters.count * rows.count * width)
  }

  /// Every map computed once, as a tensor.
  mutating func materialized() -> MapSource {
    var tensor = Tensor(channels: count, height: height, width: width)
    tensor.values.withUnsafeMutableBufferPointer { fill(filters: 0..<count, rows: 0..<height, into: $0.baseAddress!) }
    var source = MapSource.tensor(tensor)
    source.engineSeconds = engineSeconds
    source.engineOperations = engineOperations
    return source
  }
}
