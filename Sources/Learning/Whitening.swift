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
        // Four patches at a time: each sum is loaded once and takes their four products in patch order
        // (the same additions, in the same order, as one patch at a time).
        var centred = [Double](repeating: 0, count: 4 * d)
        let range = patches.pieceRange(piece)
        patches.values.withUnsafeBufferPointer { values in
          centred.withUnsafeMutableBufferPointer { x in
            sums.withUnsafeMutableBufferPointer { s in
              var i = range.lowerBound
              while i < range.upperBound {
                let block = min(4, range.upperBound - i)
                for b in 0..<4 {
                  for k in 0..<d { x[b * d + k] = b < block ? Double(values[(i + b) * d + k]) - mean[k] : 0 }
                }
                let (x0, x1, x2, x3) = (x.baseAddress!, x.baseAddress! + d, x.baseAddress! + 2 * d, x.baseAddress! + 3 * d)
                for r in 0..<d {
                  let row = s.baseAddress! + r * d
                  let (a0, a1, a2, a3) = (x0[r], x1[r], x2[r], x3[r])
                  if block == 4 {
                    for c in r..<d {
                      var v = row[c]
                      v += a0 * x0[c]
                      v += a1 * x1[c]
                      v += a2 * x2[c]
                      v += a3 * x3[c]
                      row[c] = v
                    }
                  } else {
                    for b in 0..<block {
                      let xb = x.baseAddress! + b * d
                      let ab = xb[r]
                      for c in r..<d { row[c] += ab * xb[c] }
                    }
                  }
                }
                i += block
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

  /// Every patch replaced by its whitened self. The matrix is symmetric, so W (x - m) is built a column
  /// of W at a time: out += W[c] * (x[c] - m[c]), c in order, the D outputs side by side, for four
  /// patches per column read.
  public func apply(to patches: inout Patches, threads: Int) {
    let d = dimension
    let ranges = (0..<Patches.pieces).map { patches.pieceRange($0) }
    let isIdentity = (0..<d).allSatisfy { r in (0..<d).allSatisfy { c in matrix[r * d + c] == (r == c ? 1 : 0) } }
    patches.values.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeMutableSendableBuffer(buffer)
      Parallel.forEach(Patches.pieces, threads: threads) { piece in
        var out = [Double](repeating: 0, count: 4 * d)
        matrix.withUnsafeBufferPointer { w in
          mean.withUnsafeBufferPointer { m in
            out.withUnsafeMutableBufferPointer { out in
              var i = ranges[piece].lowerBound
              while i < ranges[piece].upperBound {
                let block = min(4, ranges[piece].upperBound - i)
                let first = shared.buffer.baseAddress! + i * d
                if isIdentity {
                  for k in 0..<(block * d) { first[k] = Float(Double(first[k]) - m[k % d]) }
                  i += block
                  continue
                }
                for k in 0..<(4 * d) { out[k] = 0 }
                let (o0, o1, o2, o3) = (out.baseAddress!, out.baseAddress! + d, out.baseAddress! + 2 * d, out.baseAddress! + 3 * d)
                for c in 0..<d {
                  let column = w.baseAddress! + c * d
                  let x0 = Double(first[c]) - m[c]
                  let x1 = block > 1 ? Double(first[d + c]) - m[c] : 0
                  let x2 = block > 2 ? Double(first[2 * d + c]) - m[c] : 0
                  let x3 = block > 3 ? Double(first[3 * d + c]) - m[c] : 0
                  for r in 0..<d {
                    let v = column[r]
                    o0[r] += v * x0
                    o1[r] += v * x1
                    o2[r] += v * x2
                    o3[r] += v * x3
                  }
                }
                for k in 0..<(block * d) { first[k] = Float(out[k]) }
                i += block
              }
            }
          }
        }
      }
    }
  }
}
