import Basics

extension Patches {
  /// Coates and Ng's per-patch brightness and contrast normalisation: subtract the patch's mean, divide by
  /// the square root of its variance plus `constant`. The papers add 10 to the variance of 0...255 pixels;
  /// featuremaps' samples are 0...1, so the same constant is 10 / 255^2.
  public static let contrastConstant = 10.0 / (255.0 * 255.0)

  public mutating func normalizeContrast(threads: Int) {
    let d = dimension
    let ranges = (0..<Self.pieces).map { pieceRange($0) }
    values.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeMutableSendableBuffer(buffer)
      Parallel.forEach(Self.pieces, threads: threads) { piece in
        for i in ranges[piece] {
          let patch = UnsafeMutableBufferPointer(rebasing: shared.buffer[(i * d)..<((i + 1) * d)])
          var sum = 0.0
          for v in patch { sum += Double(v) }
          let mean = sum / Double(d)
          var squares = 0.0
          for v in patch { squares += (Double(v) - mean) * (Double(v) - mean) }
          let scale = 1 / (squares / Double(d) + Self.contrastConstant).squareRoot()
          for k in 0..<d { patch[k] = Float((Double(patch[k]) - mean) * scale) }
        }
      }
    }
  }
}
