/// Eigenvalues and eigenvectors of a real symmetric matrix by the cyclic Jacobi method: plane rotations
/// that zero each off-diagonal element in turn, sweep after sweep, until what is left off the diagonal is
/// negligible. Slow for large matrices (O(n^3) a sweep) but simple, accurate and deterministic; the
/// covariances here are at most a few hundred on a side.
enum SymmetricEigen {
  /// `matrix` (n x n, row-major, symmetric) -> eigenvalues and eigenvectors (column j of `vectors`,
  /// row-major n x n, belongs to `values[j]`).
  static func decompose(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
      var off = 0.0
      var diagonal = 0.0
      for i in 0..<n {
        diagonal += a[i * n + i] * a[i * n + i]
        for j in (i + 1)..<max(i + 1, n) { off += a[i * n + j] * a[i * n + j] }
      }
      if off <= 1e-30 * diagonal || off == 0 { break }
      for p in 0..<n {
        for q in (p + 1)..<max(p + 1, n) {
          let apq = a[p * n + q]
          if apq == 0 { continue }
          let (app, aqq) = (a[p * n + p], a[q * n + q])
          // The rotation angle that zeroes a[p][q]: t = tan(theta), the smaller root.
          let theta = (aqq - app) / (2 * apq)
          let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
          let c = 1 / (t * t + 1).squareRoot()
          let s = t * c
          for k in 0..<n {
            let (akp, akq) = (a[k * n + p], a[k * n + q])
            a[k * n + p] = c * akp - s * akq
            a[k * n + q] = s * akp + c * akq
          }
          for k in 0..<n {
            let (apk, aqk) = (a[p * n + k], a[q * n + k])
            a[p * n + k] = c * apk - s * aqk
            a[q * n + k] = s * apk + c * aqk
          }
          for k in 0..<n {
            let (vkp, vkq) = (v[k * n + p], v[k * n + q])
            v[k * n + p] = c * vkp - s * vkq
            v[k * n + q] = s * vkp + c * vkq
          }
        }
      }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
  }
}
