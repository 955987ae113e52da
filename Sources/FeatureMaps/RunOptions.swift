import ConvEngine
import ImageCodecs

/// Which pixels the statistics (and so the normalization) look at.
public enum StatisticsRegion: String, Sendable, CaseIterable {
  /// Every pixel of the map.
  case all
  /// Only pixels whose receptive field lies inside the picture: with zero padding the border can
  /// dominate a map's range. Falls back to `all` for a map with no such pixel.
  case interior
}

/// Everything that decides what a run writes, apart from the bank.
public struct RunOptions: Sendable {
  public var format: OutputFormat = .png
  public var normalize: NormalizeMode = .auto
  /// One mapping for all maps of a picture (comparable with each other) instead of one per map.
  public var sharedScale = false
  public var statisticsRegion: StatisticsRegion = .interior
  /// Write every layer's maps into `layer1/`, `layer2/`, ... instead of the final layer's only.
  public var allLayers = false
  public var compression: PNGCompression = .fast
  public var decoder = PictureDecoder()
  /// Threads for the engine and for encoding the maps of one picture.
  public var threads = ProcessInfoShim.activeProcessorCount
  /// Float maps held at a time while a layer's maps are written (see `MapSetWriter`). 384 MiB keeps a
  /// 12 MP picture with 64 filters under 700 MB in all.
  public var mapMemoryBytes = 384 << 20

  public init() {}
}
