/// Scaling gray pictures down by area averaging: each output pixel is the mean of the input area it covers,
/// fractional pixels weighted by the part of them it covers (what a montage of large maps needs).
public enum AreaResampling {
  /// Interleaved samples (`channels` per pixel) scaled to `newWidth` x `newHeight` (no larger than the input).
  public static func scale(_ samples: [Float], channels: Int, width: Int, height: Int, to newWidth: Int, _ newHeight: Int) -> [Float] {
    if newWidth == width && newHeight == height { return samples }
    let columns = weights(from: width, to: newWidth)
    let rows = weights(from: height, to: newHeight)
    var horizontal = [Double](repeating: 0, count: height * newWidth * channels)
    for y in 0..<height {
      for (x, taps) in columns.enumerated() {
        for c in 0..<channels {
          horizontal[(y * newWidth + x) * channels + c] = taps.reduce(0) { $0 + $1.weight * Double(samples[(y * width + $1.index) * channels + c]) }
        }
      }
    }
    var out = [Float](repeating: 0, count: newHeight * newWidth * channels)
    for (y, taps) in rows.enumerated() {
      for i in 0..<(newWidth * channels) {
        out[y * newWidth * channels + i] = Float(taps.reduce(0) { $0 + $1.weight * horizontal[$1.index * newWidth * channels + i] })
      }
    }
    return out
  }

  /// `pixels` (`height` rows of `width`) scaled to `newWidth` x `newHeight` (no larger than the input).
  static func scale(_ pixels: [UInt8], width: Int, height: Int, to newWidth: Int, _ newHeight: Int) -> [UInt8] {
    if newWidth == width && newHeight == height { return pixels }
    let columns = weights(from: width, to: newWidth)
    let rows = weights(from: height, to: newHeight)
    var horizontal = [Double](repeating: 0, count: height * newWidth)
    for y in 0..<height {
      for (x, taps) in columns.enumerated() {
        horizontal[y * newWidth + x] = taps.reduce(0) { $0 + $1.weight * Double(pixels[y * width + $1.index]) }
      }
    }
    var out = [UInt8](repeating: 0, count: newHeight * newWidth)
    for (y, taps) in rows.enumerated() {
      for x in 0..<newWidth {
        let v = taps.reduce(0) { $0 + $1.weight * horizontal[$1.index * newWidth + x] }
        out[y * newWidth + x] = UInt8(min(255, max(0, v.rounded())))
      }
    }
    return out
  }

  /// For each output position, the input positions it covers and their weights (summing to 1).
  static func weights(from source: Int, to target: Int) -> [[(index: Int, weight: Double)]] {
    let ratio = Double(source) / Double(target)
    return (0..<target).map { t in
      let (start, end) = (Double(t) * ratio, Double(t + 1) * ratio)
      var taps: [(Int, Double)] = []
      var i = Int(start)
      while Double(i) < end && i < source {
        let overlap = min(end, Double(i + 1)) - max(start, Double(i))
        if overlap > 0 { taps.append((i, overlap / ratio)) }
        i += 1
      }
      return taps
    }
  }
}
