/// One mapping from values to gray levels 0...maximumGray.
public struct GrayMapping: Sendable, Equatable {
  public var offset: Double
  public var scale: Double
  /// Map |value| instead of value (the `abs` mode).
  public var ofMagnitude: Bool
  public var maximumGray: Int
  /// The mode that chose this mapping, as the user wrote it, with `auto` resolved (e.g. "auto (signed)").
  public var modeName: String

  /// The gray level for `value`, clipped to 0...maximumGray.
  @inline(__always)
  public func gray(_ value: Float) -> Int {
    let v = ofMagnitude ? Swift.abs(Double(value)) : Double(value)
    guard scale > 0 else { return 0 }
    let g = ((v - offset) / scale).rounded()
    if g.isNaN { return 0 }
    return Int(min(max(g, 0), Double(maximumGray)))
  }

  /// 8-bit gray levels for `count` values: `gray(_:)` of each (but within about 4e-7 of the gray range of
  /// a rounding tie, where Float arithmetic may round the other way), in a loop the compiler vectorizes.
  public func quantize(_ values: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt8>) {
    levels(values, count: count, into: out)
  }

  /// 16-bit gray levels, as `quantize` into 8 bits.
  public func quantize(_ values: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<UInt16>) {
    levels(values, count: count, into: out)
  }

  /// The loop of `quantize`, specialized here for each gray type: called generically from another module
  /// it would not be (measured: W2's 64 maps took 5.8 s to encode instead of 1.9 s). Float arithmetic,
  /// NaN becomes 0, and no checked conversion (adding 2^23 to a value in 0...65535 leaves it rounded to the
  /// nearest integer in the low bits of the Float's mantissa).
  @inline(__always)
  private func levels<Gray: FixedWidthInteger & UnsignedInteger>(_ values: UnsafePointer<Float>, count: Int,
                                                                  into out: UnsafeMutablePointer<Gray>) {
    guard scale > 0 else {
      out.update(repeating: 0, count: count)
      return
    }
    let inverse = Float(1 / scale)
    let shift = Float(offset)
    let top = Float(maximumGray)
    let magnitude = ofMagnitude
    for i in 0..<count {
      let v = magnitude ? Swift.abs(values[i]) : values[i]
      let x = (v - shift) * inverse
      let low = x > 0 ? x : 0  // NaN > 0 is false: NaN becomes 0
      let clamped = low < top ? low : top
      out[i] = Gray(truncatingIfNeeded: (clamped + 8_388_608).bitPattern)
    }
  }

  /// Chooses the mapping for maps with statistics `stats`; `percentiles` gives the clip bounds for
  /// `.percentile` (nil otherwise).
  public static func choose(_ mode: NormalizeMode, stats: MapStatistics, percentiles: (Double, Double)?,
                            maximumGray: Int) -> GrayMapping {
    let levels = Double(maximumGray)
    let magnitude = max(Swift.abs(stats.minimum), Swift.abs(stats.maximum))
    func signed(_ name: String) -> GrayMapping {
      GrayMapping(offset: -magnitude, scale: 2 * magnitude / levels, ofMagnitude: false, maximumGray: maximumGray, modeName: name)
    }
    func linear(_ low: Double, _ high: Double, _ name: String) -> GrayMapping {
      GrayMapping(offset: low, scale: max(0, high - low) / levels, ofMagnitude: false, maximumGray: maximumGray, modeName: name)
    }
    switch mode {
    case .auto:
      return stats.minimum < 0 ? signed("auto") : linear(0, stats.maximum, "auto")
    case .symmetric:
      return signed("symmetric")
    case .minmax:
      return linear(stats.minimum, stats.maximum, "minmax")
    case .abs:
      return GrayMapping(offset: 0, scale: magnitude / levels, ofMagnitude: true, maximumGray: maximumGray, modeName: "abs")
    case .range(let low, let high):
      return linear(low, high, mode.description)
    case .percentile:
      let (low, high) = percentiles ?? (stats.minimum, stats.maximum)
      return linear(low, high, mode.description)
    }
  }

  /// Whether a map with `statistics` shows nearly one gray under this mapping: its mean plus or minus two
  /// standard deviations (about 95% of its values) within 1/16 of the gray levels of zero's gray, because a
  /// few extreme values set the range. On the sample photos: 39 of vgg16-block1's 192 maps, 38 of
  /// learned-samples' 96, 11 of gabor's 30, 3 of edges' 15, none of color-opponent's.
  public func isNearlyFlat(_ statistics: MapStatistics) -> Bool {
    guard scale > 0, !ofMagnitude, statistics.count > 0, statistics.minimum < statistics.maximum else { return false }
    let levels = Double(maximumGray)
    let zero = min(max(-offset / scale, 0), levels)
    let low = (statistics.mean - 2 * statistics.standardDeviation - offset) / scale
    let high = (statistics.mean + 2 * statistics.standardDeviation - offset) / scale
    return max(Swift.abs(low - zero), Swift.abs(high - zero)) < levels / 16
  }
}
