import ArgumentParser
import Basics
import Foundation
import ConvEngine
import Figures
import FilterBanks
import Teaching

/// `featuremaps kernels BANK --out kernels.png`: a conv layer's kernels as a picture.
struct Kernels: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Draw a conv layer's kernels: each filter a row, each input channel a tile, in a diverging colour map.",
    discussion: """
      Weights are squares coloured from blue (negative) through light gray (zero) to red (positive), one scale \
      for the whole layer, shown with a colour bar; kernels of at most 5x5 have their numbers printed. --rgb draws \
      each filter of a first layer on R, G and B (or B, G, R) as one colour image, its three kernels scaled \
      together around mid gray: the classic picture of a trained first layer.

      Examples:
        featuremaps kernels edges --out edges-kernels.png
        featuremaps kernels resnet50-conv1 --rgb --out conv1.png
      """)

  @Argument(help: ArgumentHelp("A bank file (JSON) or the name of a built-in bank.", valueName: "bank"))
  var bank: String

  @Option(help: ArgumentHelp("The picture to write (PNG).", valueName: "file"))
  var out: String

  @Option(help: ArgumentHelp("The layer, counting every layer from 1 as summary does (a conv layer).", valueName: "n"))
  var layer: Int = 1

  @Flag(help: "Each filter as one colour image of its R, G and B kernels (a first layer on R, G, B only).")
  var rgb = false

  func run() throws {
    try CommandSupport.checkPNGOutput(out, what: "kernels are drawn")
    let loaded = try CommandSupport.loadBank(bank)
    // Layers are numbered as everywhere (pooling layers count); a pooling layer is refused by name.
    let index = try LayerRun.convIndex(loaded.bank, layer: layer)
    guard case .conv(let conv) = loaded.bank.layers[index].layer else { preconditionFailure("convIndex gives conv layers") }
    let channels = index == 0 ? loaded.bank.input.channels : loaded.bank.layers[index - 1].outputNames
    let filters = loaded.bank.layers[index].outputNames
    let title = "\(loaded.bank.name), layer \(layer): \(NumberText.counted(conv.filterCount, "filter")) of \(conv.kernel.y)x\(conv.kernel.x)x\(conv.channelsPerGroup)"
    var order: (r: Int, g: Int, b: Int)?
    if rgb {
      guard index == 0, conv.groups == 1, let rgbOrder = KernelPicture.rgbOrder(channels) else {
        throw CommandFailure(
          "--rgb draws a first layer on R, G and B; layer \(layer) of \(loaded.bank.name) reads \(channels.joined(separator: ", "))", .usage)
      }
      order = rgbOrder
    }
    if let order {
      try KernelPicture.rgb(conv, filters: filters, order: order, title: title, to: out)
    } else {
      _ = try KernelPicture.diverging(conv, filters: filters, channels: channels, title: title, to: out)
    }
  }
}
