/// Minimum, maximum, mean and standard deviation of a map, over all its pixels or only those whose
/// receptive field lies inside the picture (padding left out).
public struct MapStatistics: Sendable, Equatable {
  public var minimum: Double
  public var maximum: Double
  public var mean: Double
  public var standardDeviation: Double
  public var count: Int

  public init(minimum: Double, maximum: Double, mean: Double, standardDeviation: Double, count: Int) {
    self.minimum = minimum
    self.maximum = maximum
    self.mean = mean
    self.standardDeviation = standardDeviation
    self.count = count
  }

  /// Statistics of `values` (one map, `width` per row) over `rows` x `columns`. Rows are summed in Float
  /// with 16 lanes (so the loop vectorizes), rows added up in Double.
  public static func of(_ values: UnsafeBufferPointer<Float>, width: Int, rows: Range<Int>, columns: Range<Int>) -> MapStatistics {
    let count = rows.count * columns.count
    guard count > 0 else { return .empty }
    var low = SIMD16<Float>(repeating: .infinity)
    var high = SIMD16<Float>(repeating: -.infinity)
    var lowTail = Float.infinity
    var highTail = -Float.infinity
    var sum = 0.0
    var squares = 0.0
    let vectors = columns.count / 16
    for y in rows {
      let row = UnsafeRawPointer(values.baseAddress! + y * width + columns.lowerBound)
      var rowSum = SIMD16<Float>()
      var rowSquares = SIMD16<Float>()
      for i in 0..<vectors {
        let v = row.loadUnaligned(fromByteOffset: i * 64, as: SIMD16<Float>.self)
        low.replace(with: v, where: v .< low)  // compare and select: lowers to vector min/max
        high.replace(with: v, where: v .> high)
        rowSum += v
        rowSquares += v * v
      }
      var tailSum: Float = 0
      var tailSquares: Float = 0
      for x in (vectors * 16)..<columns.count {
        let v = row.load(fromByteOffset: x * 4, as: Float.self)
        lowTail = Swift.min(lowTail, v)
        highTail = Swift.max(highTail, v)
        tailSum += v
        tailSquares += v * v
      }
      sum += Double(rowSum.sum()) + Double(tailSum)
      squares += Double(rowSquares.sum()) + Double(tailSquares)
    }
    let mean = sum / Double(count)
    let variance = Swift.max(0, squares / Double(count) - mean * mean)
    return MapStatistics(minimum: Double(Swift.min(low.min(), lowTail)), maximum: Double(Swift.max(high.max(), highTail)),
                         mean: mean, standardDeviation: variance.squareRoot(), count: count)
  }

  /// The statistics of several maps taken together.
  public static func combined(_ parts: [MapStatistics]) -> MapStatistics {
    let parts = parts.filter { $0.count > 0 }
    let count = parts.reduce(0) { $0 + $1.count }
    guard count > 0 else { return MapStatistics(minimum: 0, maximum: 0, mean: 0, standardDeviation: 0, count: 0) }
    let mean = parts.reduce(0.0) { $0 + $1.mean * Double($1.count) } / Double(count)
    let squares = parts.reduce(0.0) { $0 + ($1.standardDeviation * $1.standardDeviation + $1.mean * $1.mean) * Double($1.count) }
    return MapStatistics(
      minimum: parts.map(\.minimum).min()!, maximum: parts.map(\.maximum).max()!, mean: mean,
      standardDeviation: max(0, squares / Double(count) - mean * mean).squareRoot(), count: count)
  }
}

extension MapStatistics {
  /// No pixels.
  public static let empty = MapStatistics(minimum: 0, maximum: 0, mean: 0, standardDeviation: 0, count: 0)
}
