import ArgumentParser
import Figures

/// `--montage` on the main command, with the layout options `featuremaps montage` takes too.
struct MontageOptions: ParsableArguments {
  @Flag(help: "Also write montage.png: every map of the picture in a labelled grid, in bank order.")
  var montage = false

  @OptionGroup var layout: MontageLayoutOptions
}

/// How a montage is laid out, as torchvision's make_grid lays it out.
struct MontageLayoutOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Maps per row of the montage (default: a near-square grid).", valueName: "n"))
  var nrow: Int?

  @Option(help: ArgumentHelp("Pixels around every tile of the montage.", valueName: "p"))
  var padding: Int = 2

  @Option(help: ArgumentHelp("The gray of the montage's padding, 0-255.", valueName: "gray"))
  var padValue: Int = 0

  @Option(help: ArgumentHelp("The longest side of a montage tile; larger maps are scaled down by area averaging.", valueName: "pixels"))
  var tileSize: Int = 256

  func validate() throws {
    if let nrow, nrow < 1 { throw ValidationError("--nrow must be at least 1.") }
    if !(0...64).contains(padding) { throw ValidationError("--padding must be 0 to 64 pixels, not \(padding).") }
    if !(0...255).contains(padValue) { throw ValidationError("--pad-value must be a gray from 0 to 255, not \(padValue).") }
    if !(8...4096).contains(tileSize) { throw ValidationError("--tile-size must be 8 to 4096 pixels, not \(tileSize).") }
  }

  @Option(help: ArgumentHelp("How the montage colours gray levels: gray, rdbu (diverging: blue, white at the middle gray, red; for signed maps) or viridis (for maps without negative values).", valueName: "map"))
  var colormap: ColorMap = .gray

  var layout: MontageLayout {
    var layout = MontageLayout(nrow: nrow, padding: padding, padValue: UInt8(padValue), tileSize: tileSize)
    layout.colors = colormap
    return layout
  }
}

extension ColorMap: ExpressibleByArgument {}
