import ArgumentParser
import MapWriting
import Normalization

/// The options that decide how maps become files and gray levels: shared by the main job and `explain`
/// (which reports the gray level the main job would write).
struct MapOptions: ParsableArguments {
  @Option(help: ArgumentHelp(Words.list(MapFormat.registered.map { "\($0.name) (\($0.summary))" }) + ".", valueName: "format"))
  var format: String = MapFormat.png.name

  @Option(help: ArgumentHelp(
    "How values become gray: auto, symmetric, minmax, abs, range:LO,HI or percentile:P.", valueName: "mode"))
  var normalize: String = "auto"

  @Option(help: ArgumentHelp("per-map (each map its own mapping) or shared (one mapping for all maps of a picture).", valueName: "scope"))
  var scale: String = "per-map"

  @Option(name: .customLong("stats"), help: ArgumentHelp(
    "Pixels the normalization looks at: interior (leave out those that padding reached) or all.", valueName: "region"))
  var statistics: String = "interior"

  func validate() throws {
    if MapFormat.named(format) == nil {
      throw ValidationError("--format must be \(Words.list(MapFormat.registered.map(\.name))), not '\(format)'.")
    }
    if NormalizeMode(argument: normalize) == nil {
      throw ValidationError("--normalize must be auto, symmetric, minmax, abs, range:LO,HI (LO < HI) or percentile:P (0 <= P < 50), not '\(normalize)'.")
    }
    if !["per-map", "shared"].contains(scale) { throw ValidationError("--scale must be per-map or shared, not '\(scale)'.") }
    if StatisticsRegion(rawValue: statistics) == nil { throw ValidationError("--stats must be interior or all, not '\(statistics)'.") }
  }

  /// The options as the writer takes them (after `validate`).
  var outputOptions: OutputOptions {
    var options = OutputOptions()
    options.format = MapFormat.named(format)!
    options.normalize = NormalizeMode(argument: normalize)!
    options.sharedScale = scale == "shared"
    options.statisticsRegion = StatisticsRegion(rawValue: statistics)!
    return options
  }
}
