import Basics
import ConvEngine
import ImageCodecs
import MapWriting

/// Everything that decides what a run does with each picture, apart from the bank.
public struct RunOptions: Sendable {
  /// What is written and how (format, normalization, threads...).
  public var output = OutputOptions()
  public var decoder = PictureDecoder()
  /// Direct convolution only, or the faster algorithms where they pay (--engine).
  public var algorithm = Engine.Algorithm.auto
  /// Sinks besides the map format's and the manifest (a montage...), made for each picture; they finish in
  /// this order, after the format's sink and before the manifest.
  public var extraSinks: [@Sendable (PictureContext) -> any MapSink] = []
  /// Raised to give up the pictures under way (the first Ctrl-C): checked between layers, groups of maps
  /// and slices of rows.
  public var stop: StopFlag?
  /// Where a picture says how far its maps are, band by band (one long picture on a terminal); nil: nowhere.
  public var pictureProgress: ProgressLine?

  public init() {}
}
