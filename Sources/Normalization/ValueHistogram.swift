/// A histogram of map values over [low, high] in 65,536 bins: percentiles from it are exact to within
/// (high - low) / 65536, finer than a 16-bit gray step of the resulting mapping.
public struct ValueHistogram: Sendable {
  public static let binCount = 65536
  public let low: Double
  public let high: Double
  public private(set) var bins: [Int]
  public private(set) var total = 0

  public init(low: Double, high: Double) {
    self.low = low
    self.high = high
    bins = [Int](repeating: 0, count: Self.binCount)
  }

  /// Counts the values at `rows` x `columns`. A map may hold infinities (a bank's weights near Float's
  /// largest overflow): they count in the end bins; NaN counts nowhere. The bin is clamped as a Double, so
  /// no value can make the conversion to Int trap.
  public mutating func add(_ values: UnsafeBufferPointer<Float>, width: Int, rows: Range<Int>, columns: Range<Int>) {
    let span = high - low
    let factor = span > 0 && span.isFinite ? Double(Self.binCount) / span : 0
    let last = Double(Self.binCount - 1)
    for y in rows {
      for x in columns {
        let value = Double(values[y * width + x])
        guard !value.isNaN else { continue }
        let position = value == .infinity ? last : value == -.infinity ? 0 : (value - low) * factor
        bins[position.isNaN ? 0 : Int(min(max(position, 0), last))] += 1
        total += 1
      }
    }
  }

  /// The value below which `percent` percent of the values lie (NumPy's `inverted_cdf` definition),
  /// to within one bin.
  public func percentile(_ percent: Double) -> Double {
    guard total > 0, high > low else { return low }
    let target = Double(total) * percent / 100
    var seen = 0
    let width = (high - low) / Double(Self.binCount)
    for (i, count) in bins.enumerated() {
      if Double(seen + count) >= target && count > 0 {
        let inside = (target - Double(seen)) / Double(count)
        return low + (Double(i) + min(max(inside, 0), 1)) * width
      }
      seen += count
    }
    return high
  }
}
