import ArgumentParser
import Basics
import Figures
import FilterBanks
import Foundation
import ImageCodecs
import Importing
import InputPreparation
import MapWriting
import Teaching

/// `featuremaps explain PICTURE --bank BANK --at X,Y`: how one output pixel is computed, term by term;
/// `--matrix`: the layer as a matrix product.
struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show how one output pixel is computed: patch, kernel and products per input channel, their sums, bias, activation, gray.",
    discussion: """
      X,Y is the column and row in the layer's output map, from 0. The numbers are those the engine computes \
      (the value is what --format npy writes), and the gray level is the one the main command writes with the \
      same --normalize, --scale, --stats and --format.

      --matrix writes the layer as a matrix product instead (inputs and outputs of at most 32x32): output = \
      matrix @ input + bias, one row per output value (filter, row, column), one column per input value \
      (channel, row, column).

      Examples:
        featuremaps explain photo.jpg --bank edges --at 12,7 --filter sobel-x
        featuremaps explain photo.jpg --bank two-layer --layer 1 --at 100,50 --json
        featuremaps explain tiny.png --bank edges --filter 0 --matrix
      """)

  @Argument(help: ArgumentHelp("The picture (JPEG or PNG).", valueName: "picture"))
  var picture: String

  @Option(help: ArgumentHelp("A bank file (JSON) or the name of a built-in bank.", valueName: "bank"))
  var bank: String

  @Option(parsing: .unconditional, help: ArgumentHelp("The output pixel: column,row in the layer's output map, from 0.", valueName: "x,y"),
          transform: PixelPosition.parse)
  var at: PixelPosition?

  @Option(help: ArgumentHelp("A filter of the layer, by name or 0-based index (default: every filter).", valueName: "name-or-index"))
  var filter: String?

  @Option(help: ArgumentHelp("The layer, counting every layer from 1 as summary does (a conv layer; default: the last).", valueName: "n"))
  var layer: Int?

  @Flag(help: "Print one JSON object instead of tables.")
  var json = false

  @Flag(help: "Write the layer as a matrix product (inputs and outputs of at most 32x32).")
  var matrix = false

  @Option(help: ArgumentHelp("Draw the decomposition of --filter's map into this PNG: planes, kernels, partial maps, sum, bias, activation, map (with --at, the pixel's receptive field and numbers).", valueName: "file"))
  var figure: String?

  @Option(help: ArgumentHelp("The longest side of the figure's tiles.", valueName: "pixels"))
  var tileSize: Int = 200

  @Option(name: .customLong("figure-channels"),
          help: ArgumentHelp("Draw at most this many input maps in the figure: those whose partial maps weigh most; the others are summed all the same and counted in one line.", valueName: "n"))
  var figureChannels = 8

  @Option(name: .customLong("figure-scale"),
          help: ArgumentHelp("added: one gray scale, with its bar, for the partial maps, their sum, + bias and the activation; per-tile: each tile the main command's own.", valueName: "scale"))
  var figureScale: Decomposition.Scale = .added

  @Option(help: ArgumentHelp("How the figure colours gray levels: gray, rdbu (diverging, for signed values) or viridis.", valueName: "map"))
  var colormap: ColorMap = .gray

  @OptionGroup var maps: MapOptions

  @OptionGroup var decoding: DecoderOptions

  func validate() throws {
    if at == nil && !matrix && figure == nil { throw ValidationError("Give --at X,Y (the output pixel to explain), --matrix or --figure.") }
    if figure != nil && filter == nil { throw ValidationError("--figure draws one map: give --filter.") }
    if !(8...2048).contains(tileSize) { throw ValidationError("--tile-size must be 8 to 2048 pixels, not \(tileSize).") }
    if figureChannels < 1 { throw ValidationError("--figure-channels must be at least 1, not \(figureChannels).") }
    if maps.format.writesRawValues {
      throw ValidationError("--format \(maps.format) has no gray levels; explain reports the gray of png or png16.")
    }
  }

  func run() throws {
    if let figure { try CommandSupport.checkPNGOutput(figure, what: "the figure is drawn") }
    let loaded = try CommandSupport.loadBank(bank)
    let input: PreparedPicture
    do {
      input = try PreparedPicture.load(path: picture, for: loaded.bank.input,
                                       decoder: decoding.decoder)
    } catch {
      throw CommandFailure.input(picture, error.reason)
    }
    let run = try LayerRun(bank: loaded.bank, picture: input.tensor, layer: layer, scaling: maps.outputOptions.scaling,
                           threads: maps.outputOptions.threads)
    let filters = try filter.map { (name) throws(TeachingError) in [try run.filter(name)] } ?? Array(run.filterNames.indices)
    if matrix {
      let product = try LayerMatrix(run, filters: filters)
      if json {
        product.writeJSON { FileHandle.standardOutput.write(Data($0.utf8)) }
      } else {
        print(product.text(layer: run.number, conv: run.conv, padding: run.geometry.padding, inputNames: run.inputNames), terminator: "")
      }
      return
    }
    let explained = try at.map { p in
      try filters.map { (f) throws(TeachingError) in try run.explain(filter: f, x: p.x, y: p.y, scope: maps.scale.rawValue) }
    }
    if let figure {
      _ = try Decomposition.write(run, filter: filters[0], pixel: explained?.first, options: maps.outputOptions, tileSize: tileSize,
                                  maximumChannels: figureChannels, scale: figureScale, colors: colormap, to: figure)
    }
    // With --figure the numbers are on the figure; the text is printed only when asked (--json).
    guard let pixels = explained, figure == nil || json else { return }
    if json {
      let value: JSONValue = filter == nil ? .object([("maps", .array(pixels.map(\.json)))]) : pixels[0].json
      print(value.compact)
    } else {
      print(pixels.map(\.text).joined(separator: "\n"), terminator: "")
    }
  }
}

/// What several commands do the same way.
enum CommandSupport {
  /// A picture a command draws goes to `path`: a .png name in a folder that exists, said before any drawing
  /// in one line (`what`: "kernels are drawn", "the figure is drawn").
  static func checkPNGOutput(_ path: String, what: String) throws(CommandFailure) {
    guard URL(fileURLWithPath: path).pathExtension.lowercased() == "png" else {
      throw CommandFailure("\(path): \(what) as a PNG; give a file name ending in .png", .usage)
    }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
      throw CommandFailure("\(path): the folder \(folder) does not exist", .usage)
    }
  }

  /// The bank a `--bank` names, its `from` layers read from their weights files (a refusal names the
  /// file, the JSON path and the problem).
  static func loadBank(_ argument: String) throws(BankError) -> LoadedBank {
    try BankCatalog.load(argument, weights: WeightsImporter())
  }
}

extension Decomposition.Scale: ExpressibleByArgument {}
