import ImageCodecs
import MapWriting

/// Everything that decides what a run does with each picture, apart from the bank.
public struct RunOptions: Sendable {
  /// What is written and how (format, normalization, threads...).
  public var output = OutputOptions()
  public var decoder = PictureDecoder()

  public init() {}
}
