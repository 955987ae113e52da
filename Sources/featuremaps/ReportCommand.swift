import ArgumentParser
import Basics
import Figures
import Foundation
import ImageCodecs
import Report

/// `featuremaps report PICTURE --bank BANK --out DIR`: one HTML page for a class.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Write a self-contained HTML page: the picture, the bank's layers, kernels, every map (click a pixel to see how it is computed) and where each map comes from.",
    discussion: """
      DIR/index.html opens from the file system in any current browser, with no network: its style, script and \
      numbers are inside it, its pictures in DIR/images. The picture is first scaled to --size pixels on its \
      longest side and written as DIR/images/picture.png; every number on the page is computed from that file, \
      so `featuremaps explain DIR/images/picture.png --bank BANK --at X,Y` prints the same numbers. Maps are \
      mapped to gray as the main command maps them by default.

      Examples:
        featuremaps report photo.jpg --bank edges --out class/
        featuremaps report photo.jpg --bank resnet50-conv1 --out resnet/ --size 320
      """)

  @Argument(help: ArgumentHelp("The picture (JPEG or PNG).", valueName: "picture"))
  var picture: String

  @Option(help: ArgumentHelp("A bank file (JSON) or the name of a built-in bank.", valueName: "bank"))
  var bank: String

  @Option(help: ArgumentHelp("The folder to write index.html and images/ into.", valueName: "dir"))
  var out: String

  @Option(help: ArgumentHelp("Scale the picture to this many pixels on its longest side first (0: keep its size).", valueName: "pixels"))
  var size: Int = 224

  @Option(help: ArgumentHelp("The longest side of the tiles in the decomposition figures.", valueName: "pixels"))
  var tileSize: Int = 120

  @Option(help: ArgumentHelp("How the decomposition figures colour their tiles: gray, rdbu (diverging, for signed values) or viridis; the maps stay gray.", valueName: "map"))
  var colormap: ColorMap = .gray

  @OptionGroup var decoding: DecoderOptions

  func validate() throws {
    if size < 0 { throw ValidationError("--size must be 0 (keep the picture's size) or a number of pixels, not \(size).") }
    if !(8...2048).contains(tileSize) { throw ValidationError("--tile-size must be 8 to 2048 pixels, not \(tileSize).") }
  }

  func run() throws {
    let loaded = try CommandSupport.loadBank(bank)
    var options = ReportOptions()
    options.longestSide = size
    options.figureTileSize = tileSize
    options.colors = colormap
    options.decoder = decoding.decoder
    options.command = (["featuremaps"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
    options.progress = ProgressLine()
    let written = try Report.write(picture: picture, bank: loaded, to: out, options: options)
    print("\(written.page): \(written.images) images, page \(written.pageBytes >> 10) KiB")
  }
}
