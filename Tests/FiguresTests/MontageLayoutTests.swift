import Normalization
import XCTest

@testable import Figures

/// The montage's geometry is torchvision's make_grid's, plus a label band under each row.
final class MontageLayoutTests: XCTestCase {
  /// Sizes and the last tile's place worked out by hand from make_grid's rule (columns: nrow, or a near-square
  /// grid; every tile and the outer edge padded) with a 16-pixel label band under each row of tiles. For
  /// 5 tiles of 451x300, padding 2: 3 columns and 2 rows, 3 x 453 + 2 = 1361 wide, 2 x (300 + 16 + 2) + 2 =
  /// 638 high, the fifth tile at column 1, row 1: (453 + 2, 318 + 2).
  func testSizeIsRowsTimesTileAndBandPlusPaddingByColumnsTimesTilePlusPadding() {
    let cases: [(count: Int, nrow: Int?, padding: Int, tile: (Int, Int), size: (Int, Int), last: (Int, Int))] = [
      (5, nil, 2, (451, 300), (1361, 638), (455, 320)),
      (64, nil, 0, (112, 75), (896, 728), (784, 637)),
      (5, 2, 3, (30, 20), (69, 120), (3, 81)),
      (7, 10, 1, (8, 8), (64, 26), (55, 1)),
      (1, nil, 4, (9, 3), (17, 27), (4, 4)),
    ]
    for c in cases {
      let layout = MontageLayout(nrow: c.nrow, padding: c.padding)
      let size = layout.size(count: c.count, tile: c.tile)
      let what = "\(c.count) tiles, nrow \(String(describing: c.nrow))"
      XCTAssertEqual([size.width, size.height], [c.size.0, c.size.1], what)
      let last = layout.origin(c.count - 1, count: c.count, tile: c.tile)
      XCTAssertEqual([last.x, last.y], [c.last.0, c.last.1], what)
    }
  }

  func testLargeMapsAreScaledToTheTileSizeKeepingTheirShape() {
    let layout = MontageLayout(tileSize: 256)
    XCTAssertEqual(layout.tile(width: 451, height: 300).width, 256)
    XCTAssertEqual(layout.tile(width: 451, height: 300).height, 170)  // 300 * 256 / 451 = 170.3
    XCTAssertEqual(layout.tile(width: 200, height: 100).width, 200)  // smaller maps are not enlarged
  }

  func testTilesAreLabelledWithTheirIndexAndFilterInBankOrder() {
    let names = ["sobel-x", "sobel-y", "laplacian"]
    let tiles = names.enumerated().map { MontageTile(index: $0.offset, name: $0.element, grays: [0], width: 1, height: 1, layout: MontageLayout()) }
    XCTAssertEqual(tiles.map(Montage.label), ["0 sobel-x", "1 sobel-y", "2 laplacian"])
  }

  /// With --all-layers a montage holds several layers: each tile is numbered within its layer and says its
  /// layer, so a pooling layer's maps (which keep the pooled maps' names) never repeat a label.
  func testTilesOfSeveralLayersSayTheirLayer() {
    let names = ["conv1-0", "conv1-1", "conv1-0", "conv1-1", "conv2-0"]
    let tiles = names.enumerated().map { MontageTile(index: $0.offset, name: $0.element, grays: [0], width: 1, height: 1, layout: MontageLayout()) }
    let labels = Montage.labelled(tiles, layers: [1, 1, 2, 2, 3]).map(Montage.label)
    XCTAssertEqual(labels, ["L1:0 conv1-0", "L1:1 conv1-1", "L2:0 conv1-0", "L2:1 conv1-1", "L3:0 conv2-0"])
    XCTAssertEqual(Set(labels).count, labels.count)
    XCTAssertEqual(Montage.labelled(Array(tiles.prefix(2)), layers: [1, 1]).map(Montage.label), ["0 conv1-0", "1 conv1-1"])
  }

  /// A label wider than its tile loses characters in the middle, never its start (the map's index) or end
  /// (a trained filter's number), and then fits.
  func testLongLabelsAreShortenedInTheMiddleAndFit() {
    let canvas = Canvas(width: 10, height: 10, background: .gray(0))
    _ = canvas.textWidth("x", size: 11)
    for (label, width) in [("12 a-very-long-filter-name-of-a-trained-layer-10", 64.0), ("63 conv1_1-63", 40), ("5 vgg16-block1-conv1_2-5", 90)] {
      let fitted = canvas.fitted(label, width: width)
      XCTAssertLessThanOrEqual(canvas.textWidth(fitted), width, fitted)
      XCTAssertTrue(fitted.contains("…"), fitted)
      XCTAssertEqual(fitted.prefix(2), label.prefix(2), fitted)
      XCTAssertEqual(fitted.last, label.last, fitted)
    }
    XCTAssertEqual(canvas.fitted("0 sobel-x", width: 200), "0 sobel-x")
  }

  /// A constant map says so on its tile (a solid black or white tile looks missing), and how the tile is drawn.
  func testAConstantMapIsMarkedOnItsTile() throws {
    func tile(_ name: String, _ low: Double, _ high: Double) -> MontageTile {
      MontageTile(index: 3, name: name, grays: [0], width: 1, height: 1, layout: MontageLayout(),
                  statistics: MapStatistics(minimum: low, maximum: high, mean: low, standardDeviation: 0, count: 100))
    }
    XCTAssertEqual(Montage.mark(tile("dead", 0, 0)), "constant 0")
    XCTAssertEqual(Montage.mark(tile("flat", 0.0083, 0.0083)), "constant 0.0083")
    XCTAssertNil(Montage.mark(tile("edge", -1, 2)))
    // Drawn: on a black 60x40 tile, the mark's ink (yellow) in the tile's middle rows; none on a live map's tile.
    func drawn(_ t: MontageTile) -> Set<[UInt8]> {
      let canvas = Montage.draw([t], layout: MontageLayout(padding: 0, tileSize: 60))
      return Set((14..<26).flatMap { y in (0..<60).map { x -> [UInt8] in let c = canvas.pixel(x: x, y: y); return [c.r, c.g, c.b] } })
    }
    func blank(_ name: String, _ low: Double, _ high: Double) -> MontageTile {
      MontageTile(index: 0, name: name, grays: [UInt8](repeating: 0, count: 60 * 40), width: 60, height: 40, layout: MontageLayout(tileSize: 60),
                  statistics: MapStatistics(minimum: low, maximum: high, mean: low, standardDeviation: 0, count: 100))
    }
    XCTAssertTrue(drawn(blank("dead", 0, 0)).contains { $0[0] > 200 && $0[2] < 120 }, "yellow ink on the dead map's tile")
    XCTAssertEqual(drawn(blank("live", -1, 1)), [[0, 0, 0]], "nothing on a live map's tile")
  }
}
