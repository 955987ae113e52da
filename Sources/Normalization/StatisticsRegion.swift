/// Which pixels the statistics (and so the normalization) look at.
public enum StatisticsRegion: String, Sendable, CaseIterable {
  /// Every pixel of the map.
  case all
  /// Only pixels whose receptive field lies inside the picture: with zero padding the border can
  /// dominate a map's range. Falls back to `all` for a map with no such pixel.
  case interior
}
