import XCTest

@testable import Figures

/// The montage's geometry is torchvision's make_grid's, plus a label band under each row.
final class MontageLayoutTests: XCTestCase {
  func testSizeIsRowsTimesTileAndBandPlusPaddingByColumnsTimesTilePlusPadding() {
    for (count, nrow, padding, width, height) in [(5, nil, 2, 451, 300), (64, nil, 0, 112, 75), (5, 2, 3, 30, 20), (7, 10, 1, 8, 8), (1, nil, 4, 9, 3)] {
      let layout = MontageLayout(nrow: nrow, padding: padding)
      let columns = min(nrow ?? Int((Double(count).squareRoot()).rounded(.up)), count)
      let rows = (count + columns - 1) / columns
      let size = layout.size(count: count, tile: (width, height))
      XCTAssertEqual(size.width, columns * (width + padding) + padding, "\(count) tiles, nrow \(String(describing: nrow))")
      XCTAssertEqual(size.height, rows * (height + MontageLayout.labelBand + padding) + padding)
      // The last tile ends inside the montage, before the padding.
      let last = layout.origin(count - 1, count: count, tile: (width, height))
      XCTAssertEqual(last.x, (count - 1) % columns * (width + padding) + padding)
      XCTAssertLessThanOrEqual(last.x + width + padding, size.width)
      XCTAssertEqual(last.y + height + MontageLayout.labelBand + padding, size.height)
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
}
