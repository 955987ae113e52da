import ConvEngine
import FilterBanks
import ImageCodecs
import InputPreparation
import MapWriting
import Normalization
import Teaching
import TestSupport
import XCTest

@testable import Figures

/// Every text of every kind of figure stays inside its box and the picture: the canvas records each one
/// that does not (`Canvas.overflows`), and these draw the cases that used to cut or overlap: long filter
/// names, a 64-input layer, 5x5 kernels with their numbers, montage tiles of 64 pixels, a picked pixel's
/// numbers, several layers in one montage.
final class TextFitsTests: XCTestCase {
  func run(_ bank: String, layer: Int?, photo: String = "chelsea.png") throws -> LayerRun {
    let loaded = try BankCatalog.load(bank)
    let picture = try PreparedPicture.load(path: Project.path("SampleImages/\(photo)"), for: loaded.bank.input, decoder: PictureDecoder()).tensor
    // A crop keeps the debug build quick; the figures' layout depends on names and tile sizes, not on size.
    var crop = Tensor(channels: picture.channels, height: 60, width: 90)
    for c in 0..<picture.channels { for y in 0..<60 { for x in 0..<90 { crop[c, y, x] = picture[c, y + 100, x + 150] } } }
    return try LayerRun(bank: loaded.bank, picture: crop, layer: layer)
  }

  func testDecompositionFiguresKeepTheirTextInside() throws {
    for (bank, layer, filter, tile) in [("vgg16-block1", 2, 5, 64), ("vgg16-block1", 2, 63, 120), ("edges", 1, 4, 64), ("mobilenet-v2-block1", 2, 3, 96),
                                        ("resnet50-conv1", 1, 15, 64), ("two-layer", 2, 1, 200)] {
      let r = try run(bank, layer: layer)
      let pixel = try r.explain(filter: filter, x: 3, y: 2, scope: "per-map")
      for scale in Decomposition.Scale.allCases {
        let canvas = try Decomposition.draw(r, filter: filter, pixel: pixel, options: OutputOptions(), tileSize: tile, maximumChannels: 8, scale: scale).0
        XCTAssertEqual(canvas.overflows, [], "\(bank) layer \(layer) filter \(filter), tiles \(tile), \(scale)")
      }
    }
  }

  func testMontagesKeepTheirLabelsInside() {
    let names = (0..<64).map { "a-rather-long-trained-filter-name-\($0)" }
    for tileSize in [24, 64, 256] {
      let tiles = names.enumerated().map {
        MontageTile(index: $0.offset, name: $0.element, grays: [UInt8](repeating: 0, count: 90 * 60), width: 90, height: 60,
                    layout: MontageLayout(tileSize: tileSize), statistics: MapStatistics(minimum: 0, maximum: $0.offset % 3 == 0 ? 0 : 1, mean: 0, standardDeviation: 0, count: 10))
      }
      let layers = (0..<64).map { $0 < 32 ? 1 : 2 }
      for colors in ColorMap.allCases {
        var layout = MontageLayout(tileSize: tileSize)
        layout.colors = colors
        let canvas = Montage.draw(Montage.labelled(tiles, layers: layers), layout: layout)
        XCTAssertEqual(canvas.overflows, [], "tiles of \(tileSize), \(colors)")
      }
    }
  }

  func testKernelPicturesKeepTheirTextInside() throws {
    for (bank, layer) in [("vgg16-block1", 2), ("edges", 1), ("learned-samples", 1), ("gabor", 1), ("mobilenet-v2-block1", 2)] {
      let loaded = try BankCatalog.load(bank)
      let index = try LayerRun.convIndex(loaded.bank, layer: layer)
      guard case .conv(let conv) = loaded.bank.layers[index].layer else { return XCTFail(bank) }
      let names = loaded.bank.layers[index].outputNames
      let channels = index == 0 ? loaded.bank.input.channels : loaded.bank.layers[index - 1].outputNames
      let (canvas, _) = KernelPicture.drawDiverging(conv, filters: names, channels: channels, title: "\(bank), layer \(layer)")
      XCTAssertEqual(canvas.overflows, [], bank)
      if let order = KernelPicture.rgbOrder(channels), conv.channelsPerGroup == 3 {
        XCTAssertEqual(KernelPicture.drawRGB(conv, filters: names, order: order, title: "\(bank), layer \(layer)").overflows, [], "\(bank) RGB")
      }
    }
    // 5x5 kernels of long numbers, a long title and long channel names.
    let conv = ConvLayer(inputChannels: 3, filterCount: 2, kernel: Pair(5), weights: (0..<150).map { Float($0 % 11) * -0.0123 })
    let (canvas, _) = KernelPicture.drawDiverging(conv, filters: ["filter-with-a-long-name-0", "f1"], channels: ["luminance-channel", "chroma-blue", "chroma-red"],
                                                  title: String(repeating: "a long title ", count: 12))
    XCTAssertEqual(canvas.overflows, [])
  }
}
