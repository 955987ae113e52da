/// What Winograd's kernel computes (winograd_kernels.c): F(2x4, 3x3), F(2, 3) down the rows and F(4, 3)
/// along them, for 3x3 layers. (F(2x3, 4x4), for ResNet's conv1 on its input's 2x2 phases, was tried: it
/// went past the engine's 1e-5 bound on a 7x7 stride-2 test layer.)
enum WinogradShape {
  /// A tile's output rows and columns.
  static let tileRows = 2
  static let tileColumns = 4
  /// Padded input rows a tile reads.
  static let inputRows = tileRows + 2
  /// Transformed positions: a tile's input values.
  static let positions = inputRows * (tileColumns + 2)
  /// Rows are rounded to whole calls and whole vectors of the transpose into planes.
  static let pixelBlock = 48
  /// Columns a worker computes at a time down its rows (a multiple of `pixelBlock`'s).
  static let strip = 96
  /// As --timings says it.
  static let name = "Winograd F(2x4,3x3)"

  /// G down the rows and along them (U = Gy g Gxt), in Double. Down the rows, Lavin and Gray's G for the
  /// points 0, 1, -1 and infinity; along them, Cook-Toom's for 0, 1, -1, 1/2, -2 and infinity: row i is
  /// (1, p, p^2) / prod over the other points q of (p - q) for point p, the last row the kernel's last tap.
  /// winograd_kernels.c has the matching input and output matrices, and why these points.
  static let gRows: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
  static let gColumns: [[Double]] = {
    let points: [Double] = [0, 1, -1, 0.5, -2]
    return points.enumerated().map { i, p in
      let denominator = points.enumerated().filter { $0.offset != i }.reduce(1.0) { $0 * (p - $1.element) }
      return [1, p, p * p].map { $0 / denominator }
    } + [[0, 0, 1]]
  }()
}
