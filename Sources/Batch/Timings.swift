/// Where the time of one picture went.
public struct Timings: Sendable {
  public var decodeSeconds = 0.0
  /// Per layer: seconds in the engine and floating-point operations done (for GFLOP/s).
  public var layers: [(seconds: Double, operations: Double)] = []
  public var encodeSeconds = 0.0
  public var totalSeconds = 0.0
}
