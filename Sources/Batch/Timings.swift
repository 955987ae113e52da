/// Where the time of one picture went.
public struct Timings: Sendable {
  public var decodeSeconds = 0.0
  /// Per layer: seconds in the engine, floating-point operations a direct convolution does (for GFLOP/s;
  /// a faster algorithm shows as more of them per second) and the algorithm that computed it.
  public var layers: [(seconds: Double, operations: Double, algorithm: String)] = []
  /// The statistics passes that choose the gray mappings before the maps are written (outside the engine).
  public var statisticsSeconds = 0.0
  public var encodeSeconds = 0.0
  /// How the last layer's maps were computed and written (`MapSetWriter.Strategy`).
  public var maps = ""
  public var totalSeconds = 0.0
  /// The process's high-water mark of memory when the picture was done (every picture so far, with the
  /// ones processed beside it).
  public var peakMemoryBytes = 0

  /// What the parts above do not count: setting up the run, copying rows between streamed layers, the
  /// manifest, moving the result into place.
  public var otherSeconds: Double {
    max(0, totalSeconds - decodeSeconds - layers.reduce(0) { $0 + $1.seconds } - statisticsSeconds - encodeSeconds)
  }
}
