import Basics

/// Coates and Ng's spherical k-means ("Learning Feature Representations with K-means", 2012): unit-length
/// centroids; each patch goes to the centroid with the largest |dot product| and adds itself, weighted by
/// that dot product, to the centroid's next value; each centroid's old value is added too (the damping that
/// keeps a centroid no patch chose where it was), and the sums are normalised to unit length again.
public struct SphericalKMeans: Sendable {
  /// N x D, row-major: centroid j is row j, unit length.
  public var centroids: [Double]
  public var count: Int
  public var dimension: Int
  /// How many patches chose each centroid in the last iteration.
  public var sizes: [Int]

  /// Centroids drawn from a standard normal and normalised (the papers' initialisation).
  public init(count: Int, dimension: Int, seed: UInt64) {
    var random = SeededGenerator(seed: seed, stream: 0x6B6D_6561_6E73)  // "kmeans": a stream of its own
    var centroids = (0..<(count * dimension)).map { _ in random.normal() }
    Self.normalize(&centroids, count: count, dimension: dimension)
    self.init(centroids: centroids, count: count, dimension: dimension)
  }

  public init(centroids: [Double], count: Int, dimension: Int) {
    self.centroids = centroids
    self.count = count
    self.dimension = dimension
    sizes = [Int](repeating: 0, count: count)
  }

  static func normalize(_ centroids: inout [Double], count: Int, dimension: Int) {
    for j in 0..<count {
      var norm = 0.0
      for k in 0..<dimension { norm += centroids[j * dimension + k] * centroids[j * dimension + k] }
      let scale = norm > 0 ? 1 / norm.squareRoot() : 0
      for k in 0..<dimension { centroids[j * dimension + k] *= scale }
    }
  }

  /// One iteration over `patches` (whitened), piece by piece, the pieces' sums added in order.
  public mutating func iterate(_ patches: Patches, threads: Int) {
    let (n, d) = (count, dimension)
    let current = centroids
    // The centroids transposed (D x N): a patch's N dot products are then built a row at a time, with
    // the N accumulators side by side (vector registers), each summing over k in order.
    var transposed = [Double](repeating: 0, count: d * n)
    for j in 0..<n { for k in 0..<d { transposed[k * n + j] = current[j * d + k] } }
    var partials = [(sums: [Double], sizes: [Int])](repeating: ([], []), count: Patches.pieces)
    let ranges = (0..<Patches.pieces).map { patches.pieceRange($0) }
    partials.withUnsafeMutableBufferPointer { slots in
      let shared = UnsafeMutableSendableBuffer(slots)
      Parallel.forEach(Patches.pieces, threads: threads) { piece in
        var sums = [Double](repeating: 0, count: n * d)
        var sizes = [Int](repeating: 0, count: n)
        var x = [Double](repeating: 0, count: d)
        var dots = [Double](repeating: 0, count: n)
        patches.values.withUnsafeBufferPointer { values in
          transposed.withUnsafeBufferPointer { ct in
            sums.withUnsafeMutableBufferPointer { sums in
              x.withUnsafeMutableBufferPointer { x in
                dots.withUnsafeMutableBufferPointer { dots in
                  for i in ranges[piece] {
                    for k in 0..<d { x[k] = Double(values[i * d + k]) }
                    for j in 0..<n { dots[j] = 0 }
                    for k in 0..<d {
                      let xk = x[k]
                      let row = ct.baseAddress! + k * n
                      for j in 0..<n { dots[j] += row[j] * xk }
                    }
                    var (best, bestDot) = (0, dots[0])
                    for j in 1..<max(1, n) where abs(dots[j]) > abs(bestDot) { (best, bestDot) = (j, dots[j]) }
                    sizes[best] += 1
                    let target = sums.baseAddress! + best * d
                    for k in 0..<d { target[k] += bestDot * x[k] }
                  }
                }
              }
            }
          }
        }
        shared.buffer[piece] = (sums, sizes)
      }
    }
    var next = current  // the damping: each centroid's old value
    sizes = [Int](repeating: 0, count: n)
    for partial in partials where !partial.sums.isEmpty {
      for k in 0..<(n * d) { next[k] += partial.sums[k] }
      for j in 0..<n { sizes[j] += partial.sizes[j] }
    }
    Self.normalize(&next, count: n, dimension: d)
    centroids = next
  }
}
