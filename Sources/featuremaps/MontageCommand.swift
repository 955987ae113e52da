import ArgumentParser
import Basics
import Figures
import ImageCodecs
import MapWriting
import Normalization
import WeightsFiles

/// `featuremaps montage DIR`: montage.png from a picture's output folder (its manifest and maps).
struct MontageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "montage",
    abstract: "Write montage.png for a picture's output folder: its maps in a labelled grid, in bank order.",
    discussion: """
      DIR is a folder the main command wrote (it holds manifest.json). PNG maps are shown with their own gray \
      levels (16-bit ones scaled to 8 bits); .npy maps with the auto normalization of their recorded statistics.

      Example:
        featuremaps montage maps/photo --nrow 8 --tile-size 128
      """)

  @Argument(help: ArgumentHelp("A picture's output folder.", valueName: "dir"))
  var folder: String

  @OptionGroup var layout: MontageLayoutOptions

  func run() throws {
    guard let manifest = ManifestReader.read(folder: folder) else {
      throw CommandFailure("\(folder)/\(ManifestSink.fileName): no manifest here (is \(folder) a picture's output folder?)", .usage)
    }
    var tiles: [MontageTile] = []
    for map in manifest.maps {
      let path = folder + "/" + map.file
      let (grays, width, height) = try Self.grays(path, map: map)
      tiles.append(MontageTile(index: map.index, name: map.filter, grays: grays, width: width, height: height, layout: layout.layout,
                               statistics: MapStatistics(minimum: map.minimum, maximum: map.maximum, mean: map.minimum, standardDeviation: 0, count: 1)))
    }
    try Montage.write(Montage.labelled(tiles, layers: manifest.maps.map(\.layer)), layout: layout.layout, to: folder + "/" + MontageSink.fileName)
  }

  /// A map's 8-bit gray levels from its file: a PNG's own, or a `.npy` map's under the auto normalization
  /// of its recorded range.
  static func grays(_ path: String, map: ManifestReader.Map) throws(CommandFailure) -> ([UInt8], Int, Int) {
    if path.hasSuffix(".npy") {
      let values: WeightsTensor
      do throws(WeightsError) {
        let reader = try WeightsFile.open(path)
        guard let first = reader.tensors.first else { throw WeightsError(file: path, reason: "holds no array") }
        values = try reader.read(first.name)
      } catch {
        throw CommandFailure.input(path, "cannot be read as a NumPy map: \(error.reason)")
      }
      guard values.shape.count == 2 else { throw CommandFailure.input(path, "holds an array of shape \(values.shape), not a map") }
      let stats = MapStatistics(minimum: map.minimum, maximum: map.maximum, mean: 0, standardDeviation: 0, count: 1)
      let mapping = GrayMapping.choose(.auto, stats: stats, percentiles: nil, maximumGray: 255)
      return (values.values.withUnsafeBufferPointer { Montage.grays($0, mapping: mapping) }, values.shape[1], values.shape[0])
    }
    let picture: Picture
    do {
      picture = try PictureDecoder().decode(path: path)
    } catch {
      throw CommandFailure.input(path, error.reason)
    }
    return (picture.samples.prefix(picture.width * picture.height).map { UInt8(($0 * 255).rounded()) }, picture.width, picture.height)
  }
}
