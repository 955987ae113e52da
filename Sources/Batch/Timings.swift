/// Where the time of one picture went.
public struct Timings: Sendable {
  public var decodeSeconds = 0.0
  /// Per layer: seconds in the engine, floating-point operations a direct convolution does (for GFLOP/s;
  /// a faster algorithm shows as more of them per second) and the algorithm that computed it.
  public var layers: [(seconds: Double, operations: Double, algorithm: String)] = []
  public var encodeSeconds = 0.0
  /// How the last layer's maps were computed and written (`MapSetWriter.Strategy`).
  public var maps = ""
  public var totalSeconds = 0.0
}
