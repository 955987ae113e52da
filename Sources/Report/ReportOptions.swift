import Basics
import Figures
import ImageCodecs

/// What a report shows and how large it may grow.
public struct ReportOptions: Sendable {
  /// The picture is scaled down to this many pixels on its longest side (0: as it is). 224, the size the
  /// shipped trained banks' networks were trained at, keeps maps legible and the page light.
  public var longestSide = 224
  /// The longest side of the tiles in the decomposition figures.
  public var figureTileSize = 120
  /// Decomposition figures draw at most this many input channels (those whose partial maps weigh most).
  public var figureChannels = 6
  /// How the decomposition figures colour their tiles (the maps stay the main command's gray PNGs).
  public var colors = ColorMap.gray
  /// The page embeds every conv layer's input and output values (float32, base64) so that clicking a pixel
  /// explains it; past this many bytes the report is refused (a smaller `longestSide` is the remedy).
  public var maximumDataBytes = 48 << 20
  /// The kernel pictures' largest size in pixels.
  public var maximumKernelPicturePixels = 4_000_000
  public var decoder = PictureDecoder()
  public var threads = ProcessorCount.active
  /// How the report was asked for, shown on the page (the command line).
  public var command = ""

  public init() {}
  /// Where the report says how far it is (a line redrawn on a terminal); nil: nowhere.
  public var progress: ProgressLine?
}
