import Normalization

/// One map of a picture, as the sinks receive it and the manifest lists it.
public struct MapEntry: Sendable {
  /// The map's place among the picture's maps (every layer's, with --all-layers).
  public var index: Int
  /// The conv layer's number, from 1.
  public var layer: Int
  /// The filter's name.
  public var filter: String
  /// The file the chosen format writes, relative to the picture's folder: `NN-filter.EXT`, in `layerN/`
  /// with --all-layers.
  public var file: String
  public var width: Int
  public var height: Int
  public var statistics: MapStatistics
  /// The gray mapping the normalization chose (for formats of gray levels, and sinks that draw).
  public var mapping: GrayMapping
  /// For a partial map (`--partials`): the input channel it is the correlation of.
  public var channel: String?
  /// For a map of the last layer with `--partials`: its partial maps, one per input channel of its group.
  public var partials: [MapEntry] = []
}
