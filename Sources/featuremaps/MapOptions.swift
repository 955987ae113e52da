import ArgumentParser
import MapWriting
import Normalization

/// The options that decide how maps become files and gray levels: shared by the main job and `explain`
/// (which reports the gray level the main job would write).
struct MapOptions: ParsableArguments {
  @Option(help: ArgumentHelp(Words.list(MapFormat.registered.map { "\($0.name) (\($0.summary))" }) + ". (default: png)", valueName: "format"),
          completion: .list(MapFormat.registered.map(\.name)), transform: MapFormat.parse)
  var format: MapFormat = .png

  @Option(help: ArgumentHelp("How values become gray: auto, symmetric, minmax, abs, range:LO,HI or percentile:P. (default: auto)", valueName: "mode"),
          completion: .list(["auto", "symmetric", "minmax", "abs", "range:", "percentile:"]), transform: NormalizeMode.parse)
  var normalize: NormalizeMode = .auto

  @Option(help: ArgumentHelp("per-map (each map its own mapping) or shared (one mapping for all maps of a picture).", valueName: "scope"))
  var scale: ScaleScope = .perMap

  @Option(name: .customLong("stats"), help: ArgumentHelp(
    "Pixels the normalization looks at: interior (leave out those that padding reached) or all.", valueName: "region"))
  var statistics: StatisticsRegion = .interior

  /// The options as the writer takes them.
  var outputOptions: OutputOptions {
    var options = OutputOptions()
    options.format = format
    options.normalize = normalize
    options.sharedScale = scale == .shared
    options.statisticsRegion = statistics
    return options
  }
}
