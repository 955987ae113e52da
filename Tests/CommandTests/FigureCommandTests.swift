import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs
import InputPreparation
import MapWriting
import Teaching
import TestSupport
import XCTest

@testable import Figures

/// Montages and decomposition figures through the built binary, against the maps the main command writes.
final class FigureCommandTests: TemporaryFolderTestCase {
  let photo = Project.path("SampleImages/chelsea.png")

  /// A decoded PNG's 8-bit samples: (x, y) of channel c.
  struct Pixels {
    let picture: Picture
    init(_ path: String) throws { picture = try PictureDecoder().decode(path: path) }
    func sample(_ x: Int, _ y: Int, channel c: Int = 0) -> Int {
      Int((picture.samples[(c * picture.height + y) * picture.width + x] * 255).rounded())
    }
    /// The gray of a pixel that must be gray (R = G = B in an RGB picture).
    func gray(_ x: Int, _ y: Int) -> Int? {
      let r = sample(x, y)
      guard picture.channelCount == 1 || (sample(x, y, channel: 1) == r && sample(x, y, channel: 2) == r) else { return nil }
      return r
    }
  }

  func manifestMaps(_ relative: String) throws -> [[String: Any]] {
    try XCTUnwrap(try json(relative)["maps"] as? [[String: Any]])
  }

  /// --montage: make_grid's size, each tile pixel for pixel the map's PNG (tiles large enough not to be
  /// scaled), in bank order, the padding in --pad-value; `featuremaps montage` on the folder draws the same.
  func testMontageTilesAreTheMapsInBankOrderInMakeGridsLayout() throws {
    let result = try runFeaturemaps([photo, "--bank", "edges", "--out", path("out"), "--montage", "--nrow", "2", "--padding", "3",
                                     "--pad-value", "40", "--tile-size", "1000", "-q"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let maps = try manifestMaps("out/chelsea/manifest.json")
    XCTAssertEqual(maps.map { $0["filter"] as! String }, ["sobel-x", "sobel-y", "laplacian", "red-edge-x", "luma-edge-x"])
    let (w, h, p, band) = (451, 300, 3, MontageLayout.labelBand)
    let montage = try Pixels(path("out/chelsea/montage.png"))
    XCTAssertEqual(montage.picture.width, 2 * (w + p) + p)
    XCTAssertEqual(montage.picture.height, 3 * (h + band + p) + p)
    for (i, map) in maps.enumerated() {
      let tile = try Pixels(path("out/chelsea/" + (map["file"] as! String)))
      let (x0, y0) = (i % 2 * (w + p) + p, i / 2 * (h + band + p) + p)
      var differing = 0
      for y in 0..<h {
        for x in 0..<w where montage.gray(x0 + x, y0 + y) != tile.sample(x, y) { differing += 1 }
      }
      XCTAssertEqual(differing, 0, "tile \(i) \(map["filter"]!)")
      XCTAssertEqual(montage.gray(x0 - 1, y0 + h / 2), 40, "padding left of tile \(i)")
    }
    XCTAssertEqual(montage.gray(montage.picture.width - 1, montage.picture.height - 1), 40)

    // The same layout from the folder afterwards: the same picture.
    let before = try Data(contentsOf: URL(fileURLWithPath: path("out/chelsea/montage.png")))
    try FileManager.default.removeItem(atPath: path("out/chelsea/montage.png"))
    let again = try runFeaturemaps(["montage", path("out/chelsea"), "--nrow", "2", "--padding", "3", "--pad-value", "40", "--tile-size", "1000"])
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("out/chelsea/montage.png"))), before)
  }

  /// --colormap: each tile pixel is its map's gray level through the colour map: viridis from its published
  /// darkest (68, 1, 84) to its lightest (253, 231, 37), brighter with every level; RdBu white-ish at the middle.
  func testMontageColoursTheMapsGrayLevels() throws {
    for colormap in ["viridis", "rdbu"] {
      let out = "colour-\(colormap)"
      let result = try runFeaturemaps([photo, "--bank", "edges", "--out", path(out), "--montage", "--colormap", colormap, "--tile-size", "1000",
                                       "--nrow", "5", "-q"])
      XCTAssertEqual(result.status, 0, result.stderr)
      let montage = try Pixels(path("\(out)/chelsea/montage.png"))
      let map = try Pixels(path("\(out)/chelsea/00-sobel-x.png"))
      let colors = try XCTUnwrap(ColorMap(rawValue: colormap))
      var seen: [Int: [Int]] = [:]
      for y in stride(from: 0, to: 300, by: 3) {
        for x in stride(from: 0, to: 451, by: 3) {
          let g = map.sample(x, y)
          let rgb = (0..<3).map { montage.sample(2 + x, 2 + y, channel: $0) }
          let expected = colors.color(UInt8(g))
          XCTAssertEqual(rgb, [Int(expected.r), Int(expected.g), Int(expected.b)], "\(colormap) at \(x),\(y), gray \(g)")
          seen[g] = rgb
        }
      }
      if colormap == "viridis" {
        XCTAssertEqual([colors.color(0).r, colors.color(0).g, colors.color(0).b], [68, 1, 84])
        XCTAssertEqual([colors.color(255).r, colors.color(255).g, colors.color(255).b], [253, 231, 37])
        let luminance = (0...255).map { g -> Double in let c = colors.color(UInt8(g)); return 0.299 * Double(c.r) + 0.587 * Double(c.g) + 0.114 * Double(c.b) }
        XCTAssertEqual(luminance, luminance.sorted(), "viridis gets lighter with every gray level")
      } else {
        let middle = colors.color(128)
        XCTAssertGreaterThan(Int(middle.r) + Int(middle.g) + Int(middle.b), 3 * 235, "zero (the middle gray) is white-ish")
      }
      XCTAssertGreaterThan(seen.count, 20)
    }
  }

  /// --partials --montage: the montage shows the maps (it once showed each map's first partial map, labelled
  /// "0 R", "1 R"...): byte for byte the montage without --partials, whose tiles the test above checks.
  func testPartialsLeaveTheMontageToTheMaps() throws {
    for (out, extra) in [("plain", [String]()), ("partials", ["--partials"])] {
      let result = try runFeaturemaps([photo, "--bank", "color-opponent", "--out", path(out), "--montage", "-q"] + extra)
      XCTAssertEqual(result.status, 0, result.stderr)
    }
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("partials/chelsea/00-luminance.partials/00-R.png")))
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path("partials/chelsea/montage.png"))),
                   try Data(contentsOf: URL(fileURLWithPath: path("plain/chelsea/montage.png"))))
  }

  /// `featuremaps montage` on .npy maps: each tile is the map's values under the auto mapping of its
  /// recorded range (zero middle gray, the largest magnitude black or white), worked out here from the file.
  func testMontageOfNPYMapsShowsTheirValuesUnderTheAutoMapping() throws {
    let result = try runFeaturemaps([photo, "--bank", "edges", "--out", path("out"), "--format", "npy", "-q"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let montage = try runFeaturemaps(["montage", path("out/chelsea"), "--nrow", "5", "--padding", "0", "--tile-size", "1000"])
    XCTAssertEqual(montage.status, 0, montage.stderr)
    let picture = try Pixels(path("out/chelsea/montage.png"))
    let map = try readNPY(path("out/chelsea/00-sobel-x.npy"))
    let entry = try manifestMaps("out/chelsea/manifest.json")[0]
    let magnitude = max(abs(try XCTUnwrap(entry["min"] as? Double)), abs(try XCTUnwrap(entry["max"] as? Double)))
    var differing = 0
    for y in 0..<map.height {
      for x in 0..<map.width {
        let expected = min(255, max(0, ((Double(map.values[y * map.width + x]) + magnitude) / (2 * magnitude) * 255).rounded()))
        if abs(Double(picture.gray(x, y) ?? -9) - expected) > 1 { differing += 1 }
      }
    }
    XCTAssertEqual(differing, 0)
  }

  /// Scaled tiles: the montage is as large as the formula says for the scaled tile size.
  func testMontageOfScaledTilesHasTheScaledSize() throws {
    let result = try runFeaturemaps([photo, "--bank", "resnet50-conv1", "--out", path("out"), "--montage", "--tile-size", "64", "-q"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let montage = try PictureDecoder().decode(path: path("out/chelsea/montage.png"))
    // 64 maps of 226x150 at most 64 pixels: 64x42 tiles, 8 by 8, padding 2.
    XCTAssertEqual(montage.width, 8 * (64 + 2) + 2)
    XCTAssertEqual(montage.height, 8 * (42 + MontageLayout.labelBand + 2) + 2)
  }

  /// Without --montage nothing else is written.
  func testWithoutMontageNoMontageIsWritten() throws {
    XCTAssertEqual(try runFeaturemaps([photo, "--bank", "edges", "--out", path("out"), "-q"]).status, 0)
    XCTAssertFalse(files("out/chelsea").contains("montage.png"))
  }

  /// With `--figure-scale per-tile`, the decomposition figure's partial maps and map are the PNGs the main
  /// command writes with --partials, pixel for pixel; its sum tile is the sum of the partials (with no bias
  /// and no activation, the map).
  func testDecompositionFigureShowsTheMainCommandsPartialMapsAndMap() throws {
    for (bank, filter) in [("edges", 0), ("edges", 4), ("two-layer", 1)] {
      let out = "out-\(bank)"
      let result = try runFeaturemaps([photo, "--bank", bank, "--out", path(out), "--partials", "-q"])
      XCTAssertEqual(result.status, 0, result.stderr)
      let figure = path("figure-\(bank)-\(filter).png")
      let drawn = try runFeaturemaps(["explain", photo, "--bank", bank, "--filter", "\(filter)", "--figure", figure, "--tile-size", "1000",
                                      "--figure-scale", "per-tile"])
      XCTAssertEqual(drawn.status, 0, drawn.stderr)

      // Where the tiles are: the figure's own layout, for the same picture, bank and options.
      let loaded = try BankCatalog.load(bank)
      let picture = try PreparedPicture.load(path: photo, for: loaded.bank.input, decoder: PictureDecoder())
      let run = try LayerRun(bank: loaded.bank, picture: picture.tensor, layer: nil)
      let layout = try Decomposition.draw(run, filter: filter, pixel: nil, options: OutputOptions(), tileSize: 1000, scale: .perTile).1
      let pixels = try Pixels(figure)

      let entry = try manifestMaps("\(out)/chelsea/manifest.json")[filter]
      let partials = try XCTUnwrap(entry["partials"] as? [[String: Any]])
      XCTAssertEqual(partials.count, run.conv.channelsPerGroup)
      var expected: [(String, String)] = partials.enumerated().map { ("partial:\($0.offset)", $0.element["file"] as! String) }
      expected.append(("map", entry["file"] as! String))
      for (key, file) in expected {
        let tile = try XCTUnwrap(layout.tiles[key], key)
        let written = try Pixels(path("\(out)/chelsea/\(file)"))
        XCTAssertEqual(tile.width, written.picture.width)
        var differing = 0
        for y in 0..<tile.height {
          for x in 0..<tile.width where pixels.gray(tile.x + x, tile.y + y) != written.sample(x, y) { differing += 1 }
        }
        XCTAssertEqual(differing, 0, "\(bank) filter \(filter): \(key) against \(file)")
      }
      // The sum tile: with a bias of 0 and no activation (edges), the map itself, up to the rounding of a
      // sum taken in another order (at most one gray level, rarely).
      if bank == "edges" {
        let sum = try XCTUnwrap(layout.tiles["sum"])
        let map = try Pixels(path("\(out)/chelsea/\(entry["file"] as! String)"))
        var off = 0
        for y in 0..<sum.height {
          for x in 0..<sum.width {
            let d = abs(try XCTUnwrap(pixels.gray(sum.x + x, sum.y + y)) - map.sample(x, y))
            XCTAssertLessThanOrEqual(d, 1)
            if d != 0 { off += 1 }
          }
        }
        XCTAssertLessThan(off, sum.width * sum.height / 1000, "\(bank) filter \(filter): sum tile")
      }
    }
  }

  /// The default figure: the partial maps, their sum, the sum plus the bias and the map under one mapping,
  /// read back from the PNG: every pixel of each such tile is that mapping's gray of the engine's value
  /// there (the partial maps from the run, the sum and bias added here in Double), so equal values are
  /// equal grays across tiles. The mapping is the shared one over those values (its ends are the largest
  /// magnitude, zero in the middle: `auto` on signed values).
  func testTheFiguresAddedTilesShareOneScale() throws {
    for (bank, filter, layer) in [("color-opponent", 1, 1), ("two-layer", 2, 2), ("resnet50-conv1", 5, 1)] {
      let figure = path("added-\(bank).png")
      let drawn = try runFeaturemaps(["explain", photo, "--bank", bank, "--layer", "\(layer)", "--filter", "\(filter)", "--figure", figure,
                                      "--tile-size", "1000"])
      XCTAssertEqual(drawn.status, 0, drawn.stderr)
      let loaded = try BankCatalog.load(bank)
      let picture = try PreparedPicture.load(path: photo, for: loaded.bank.input, decoder: PictureDecoder())
      let run = try LayerRun(bank: loaded.bank, picture: picture.tensor, layer: layer)
      let layout = try Decomposition.draw(run, filter: filter, pixel: nil, options: OutputOptions(), tileSize: 1000).1
      let mapping = try XCTUnwrap(layout.addedMapping)
      let pixels = try Pixels(figure)
      let partials = try run.run.partialMaps(ofLayer: run.index, filter: filter)
      let (h, w) = (run.output.height, run.output.width)
      let plane = h * w
      var sum = [Float](repeating: 0, count: plane)
      for c in 0..<partials.channels { for i in 0..<plane { sum[i] += partials.values[c * plane + i] } }
      var expected: [(String, [Float])] = (0..<partials.channels).map { c in ("partial:\(c)", Array(partials.values[(c * plane)..<((c + 1) * plane)])) }
      expected.append(("sum", sum))
      expected.append(("preactivation", sum.map { $0 + run.conv.bias[filter] }))
      expected.append(("map", Array(run.output.values[(filter * plane)..<((filter + 1) * plane)])))
      for (key, values) in expected {
        let tile = try XCTUnwrap(layout.tiles[key], key)
        XCTAssertEqual([tile.width, tile.height], [w, h], key)
        var grays = [UInt8](repeating: 0, count: plane)
        values.withUnsafeBufferPointer { v in grays.withUnsafeMutableBufferPointer { mapping.quantize(v.baseAddress!, count: plane, into: $0.baseAddress!) } }
        var differing = 0
        for y in 0..<h {
          for x in 0..<w where try XCTUnwrap(pixels.gray(tile.x + x, tile.y + y)) != Int(grays[y * w + x]) { differing += 1 }
        }
        XCTAssertEqual(differing, 0, "\(bank): \(key) under the one mapping")
      }
      let negative = expected.contains { $0.1.contains { $0 < 0 } }
      XCTAssertEqual(mapping.gray(0), negative ? 128 : 0, "\(bank): where zero is on the one scale")
    }
  }

  /// A layer with 64 inputs: the figure draws the 8 that weigh most and a few lines for the rest (10,784
  /// pixels high at the default tile size with all 64), and prints nothing unless asked (--json).
  func testAFigureOfAWideLayerDrawsTheInputsThatWeighMost() throws {
    let figure = path("vgg.png")
    let drawn = try runFeaturemaps(["explain", photo, "--bank", "vgg16-block1", "--layer", "2", "--filter", "5", "--at", "200,100", "--figure", figure,
                                    "--tile-size", "120"])
    XCTAssertEqual(drawn.status, 0, drawn.stderr)
    XCTAssertEqual(drawn.stdout, "", "the figure carries the numbers")
    let picture = try PictureDecoder().decode(path: figure)
    XCTAssertLessThan(picture.height, 1200)
    let loaded = try BankCatalog.load("vgg16-block1")
    let prepared = try PreparedPicture.load(path: photo, for: loaded.bank.input, decoder: PictureDecoder())
    let run = try LayerRun(bank: loaded.bank, picture: prepared.tensor, layer: 2)
    let layout = try Decomposition.draw(run, filter: 5, pixel: nil, options: OutputOptions(), tileSize: 120, maximumChannels: 8).1
    XCTAssertEqual(layout.tiles.keys.filter { $0.hasPrefix("input:") }.count, 8)
    let withJSON = try runFeaturemaps(["explain", photo, "--bank", "vgg16-block1", "--layer", "2", "--filter", "5", "--at", "200,100", "--figure", figure, "--json"])
    XCTAssertTrue(withJSON.stdout.hasPrefix("{\"layer\":2"), withJSON.stdout.prefix(40).description)
  }

  /// A depthwise layer: one input plane per map, and the figure says nothing is summed.
  func testDecompositionOfADepthwiseFilterHasOneRow() throws {
    let loaded = try BankCatalog.load("mobilenet-v2-block1")
    let picture = try PreparedPicture.load(path: photo, for: loaded.bank.input, decoder: PictureDecoder())
    let run = try LayerRun(bank: loaded.bank, picture: picture.tensor, layer: 2)
    XCTAssertEqual(run.conv.channelsPerGroup, 1)
    let layout = try Decomposition.draw(run, filter: 3, pixel: nil, options: OutputOptions(), tileSize: 100).1
    XCTAssertEqual(layout.tiles.keys.filter { $0.hasPrefix("input:") }, ["input:0"])
    let drawn = try runFeaturemaps(["explain", photo, "--bank", "mobilenet-v2-block1", "--layer", "2", "--filter", "3", "--figure", path("dw.png")])
    XCTAssertEqual(drawn.status, 0, drawn.stderr)
  }
}
