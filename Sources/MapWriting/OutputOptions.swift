import Basics
import ImageCodecs
import Normalization

/// Everything that decides what is written for a picture, apart from the bank.
public struct OutputOptions: Sendable {
  public var format: MapFormat = .png
  public var normalize: NormalizeMode = .auto
  /// One mapping for all maps of a layer (comparable with each other) instead of one per map.
  public var sharedScale = false
  public var statisticsRegion: StatisticsRegion = .interior
  /// Write every layer's maps into `layer1/`, `layer2/`, ... instead of the final layer's only.
  public var allLayers = false
  /// Also write each last-layer map's per-channel partial maps into `NN-filter.partials/`.
  public var partials = false
  public var compression: PNGCompression = .fast
  /// Threads for computing the maps of one picture and for encoding them.
  public var threads = ProcessorCount.active
  /// Float maps held at a time while a layer's maps are written (see `MapSetWriter`). 384 MiB keeps a
  /// 12 MP picture with 64 filters under 700 MB in all.
  public var mapMemoryBytes = 384 << 20

  /// When the layers before the last stream (`Pipeline.LayerBands`), the bytes a band of the last layer's
  /// maps and the layers' windows of rows hold together: 32 MiB by default, whatever the depth (unless
  /// bands of the minimum 16 rows need more: `LayerBands.minimumBandRows`).
  public var streamedBandBytes: Int { mapMemoryBytes / 12 }

  public init() {}

  /// How the maps' statistics and gray mappings are chosen.
  public var scaling: MapScaling {
    MapScaling(normalize: normalize, shared: sharedScale, region: statisticsRegion, maximumGray: format.maximumGray)
  }
}
