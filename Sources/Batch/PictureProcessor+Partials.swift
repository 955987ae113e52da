import Basics
import ConvEngine
import FilterBanks
import MapWriting
import Pipeline

extension PictureProcessor {
  /// What writing the partial maps took.
  struct PartialsWritten {
    var maps: [MapEntry]
    var engineSeconds: Double
    var engineOperations: Double
    var encodeSeconds: Double
  }

  /// Writes the partial maps of the last conv layer `conv` of `run`, streamed as its maps are, each
  /// into `NN-filter.partials/CC-channel.EXT` beside its map, and returns `maps` (that layer's entries) with
  /// their partials attached, channel by channel.
  func writePartials(of conv: ConvLayer, run: BankRun, layerIndex: Int, maps: [MapEntry], folder: OutputFolder,
                     sinks: [any MapSink], displayPath: String) throws(PictureFailure) -> PartialsWritten {
    let partial = conv.partialLayer
    let source = try PictureFailure.catching(displayPath, as: PictureFailure.cause) { () throws(BankRun.Failure) in
      try run.partialMaps(ofLayer: layerIndex)
    }
    let inputNames = run.inputNames(ofLayer: layerIndex)
    var names = [String](repeating: "", count: partial.filterCount)
    var stems = [String](repeating: "", count: partial.filterCount)
    var owners = [(filter: Int, channel: Int)](repeating: (0, 0), count: partial.filterCount)
    var folders: [String] = []
    for f in 0..<conv.filterCount {
      let stem = String(maps[f].file.dropLast(options.output.format.fileExtension.count + 1)) + ".partials"
      folders.append(stem)
      for ci in 0..<conv.channelsPerGroup {
        let p = conv.partialIndex(filter: f, channel: ci)
        names[p] = inputNames[conv.firstChannel(ofFilter: f) + ci]
        stems[p] = "\(stem)/\(ci < 10 ? "0" : "")\(ci)-\(MapSetWriter.fileSafe(names[p]))"
        owners[p] = (f, ci)
      }
    }
    var writer = MapSetWriter(
      source: source, names: names, layerNumber: layerIndex + 1, interior: run.interior(ofLayer: layerIndex),
      options: options.output, firstIndex: 0, subfolder: "", fileStems: stems)
    let written = try PictureFailure.catching(displayPath, as: PictureFailure.Cause.output) { () throws(OutputError) in
      for stem in folders { try folder.makeSubfolder(stem) }
      return try writer.write(to: sinks.filter(\.takesPartialMaps))
    }
    var result = maps
    for (p, var entry) in written.entries.enumerated() {
      entry.channel = names[p]
      entry.index = owners[p].channel
      result[owners[p].filter].partials.append(entry)
    }
    for f in result.indices { result[f].partials.sort { $0.index < $1.index } }
    return PartialsWritten(maps: result, engineSeconds: writer.source.engineSeconds, engineOperations: writer.source.engineOperations,
                           encodeSeconds: written.encodeSeconds)
  }
}
