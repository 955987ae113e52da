import Basics

/// ZCA whitening: x -> W (x - mean), with W = V diag(1 / sqrt(lambda + epsilon)) V^T from the patches'
/// covariance V diag(lambda) V^T. It decorrelates the pixels of a patch while keeping each whitened patch
/// as close to the original as possible (Bell and Sejnowski), so that k-means does not just find the
/// strongest correlations (neighbouring pixels alike).
public struct Whitening: Sendable {
  public var mean: [Double]
  /// D x D, row-major, symmetric.
  public var matrix: [Double]

  public var dimension: Int { mean.count }

  /// The identity (`--whiten none`): patches are only centred.
  public static func none(mean: [Double]) -> Whitening {
    let d = mean.count
    var identity = [Double](repeating: 0, count: d * d)
    for i in 0..<d { identity[i * d + i] = 1 }
    return Whitening(mean: mean, matrix: identity)
  }

  /// The mean patch and its ZCA matrix for `patches`.
  public static func zca(_ patches: Patches, epsilon: Double, threads: Int) -> Whitening {
    let mean = Self.mean(patches, threads: threads)
    let d = patches.dimension
    // Covariance, piece by piece (upper triangle), the pieces added in order.
    var partials = [[Double]](repeating: [], count: Patches.pieces)
    partials.withUnsafeMutableBufferPointer { slots in
      let shared = UnsafeMutableSendableBuffer(slots)
      Parallel.forEach(Patches.pieces, threads: threads) { piece in
        var sums = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        patches.values.withUnsafeBufferPointer { values in
          for i in patches.pieceRange(piece) {
            for k in 0..<d { centred[k] = Double(values[i * d + k]) - mean[k] }
            centred.withUnsafeBufferPointer { x in
              sums.withUnsafeMutableBufferPointer { s in
                for r in 0..<d {
                  let xr = x[r]
                  for c in r..<d { s[r * d + c] += xr * x[c] }
                }
              }
            }
          }
        }
        shared.buffer[piece] = sums
      }
    }
    var covariance = [Double](repeating: 0, count: d * d)
    for partial in partials where !partial.isEmpty {
      for k in 0..<(d * d) { covariance[k] += partial[k] }
    }
    for r in 0..<d {
      for c in r..<d {
        covariance[r * d + c] /= Double(patches.count)
        covariance[c * d + r] = covariance[r * d + c]
      }
    }
    let (values, vectors) = SymmetricEigen.decompose(covariance, n: d)
    var matrix = [Double](repeating: 0, count: d * d)
    let scales = values.map { 1 / (max(0, $0) + epsilon).squareRoot() }
    for r in 0..<d {
      for c in r..<d {
        var sum = 0.0
        for k in 0..<d { sum += vectors[r * d + k] * scales[k] * vectors[c * d + k] }
        matrix[r * d + c] = sum
        matrix[c * d + r] = sum
      }
    }
    return Whitening(mean: mean, matrix: matrix)
  }

  /// The mean patch, piece by piece.
  public static func mean(_ patches: Patches, threads: Int) -> [Double] {
    let d = patches.dimension
    var partials = [[Double]](repeating: [], count: Patches.pieces)
    partials.withUnsafeMutableBufferPointer { slots in
      let shared = UnsafeMutableSendableBuffer(slots)
      Parallel.forEach(Patches.pieces, threads: threads) { piece in
        var sums = [Double](repeating: 0, count: d)
        for i in patches.pieceRange(piece) {
          for k in 0..<d { sums[k] += Double(patches.values[i * d + k]) }
        }
        shared.buffer[piece] = sums
      }
    }
    var mean = [Double](repeating: 0, count: d)
    for partial in partials where !partial.isEmpty {
      for k in 0..<d { mean[k] += partial[k] }
    }
    return mean.map { $0 / Double(max(1, patches.count)) }
  }

  /// Every patch replaced by its whitened self.
  public func apply(to patches: inout Patches, threads: Int) {
    let d = dimension
    let ranges = (0..<Patches.pieces).map { patches.pieceRange($0) }
    patches.values.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeMutableSendableBuffer(buffer)
      Parallel.forEach(Patches.pieces, threads: threads) { piece in
        var centred = [Double](repeating: 0, count: d)
        for i in ranges[piece] {
          for k in 0..<d { centred[k] = Double(shared.buffer[i * d + k]) - mean[k] }
          for r in 0..<d {
            var sum = 0.0
            for c in 0..<d { sum += matrix[r * d + c] * centred[c] }
            shared.buffer[i * d + r] = Float(sum)
          }
        }
      }
    }
  }
}
