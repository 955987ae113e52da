import ConvEngine
import TestSupport
import XCTest

@testable import Figures

/// Kernel pictures: one tile per (filter, input channel), each weight a square in ColorBrewer's RdBu.
final class KernelPictureTests: XCTestCase {
  /// ColorBrewer's 11-class RdBu (Brewer, colorbrewer2.org), from the negative end (blue) to the positive
  /// (red); the middle class is the colour of 0. Written here from the published table, independently of
  /// the code under test, with the interpolation between classes done again below.
  static let rdbu: [(Double, Double, Double)] = [
    (5, 48, 97), (33, 102, 172), (67, 147, 195), (146, 197, 222), (209, 229, 240), (247, 247, 247),
    (253, 219, 199), (244, 165, 130), (214, 96, 77), (178, 24, 43), (103, 0, 31),
  ]

  /// The colour of `value` on -limit...limit: piecewise linear between the classes, rounded.
  func expectedColor(_ value: Double, limit: Double) -> Canvas.Color {
    let position = (value / limit + 1) / 2 * 10
    let low = min(9, Int(position.rounded(.down)))
    let t = position - Double(low)
    let (a, b) = (Self.rdbu[low], Self.rdbu[low + 1])
    func mix(_ x: Double, _ y: Double) -> UInt8 { UInt8((x + (y - x) * t).rounded()) }
    return Canvas.Color(r: mix(a.0, b.0), g: mix(a.1, b.1), b: mix(a.2, b.2))
  }

  func layer(filters: Int, channels: Int, kernel: Int, seed: UInt64) -> ConvLayer {
    var rng = SeededRandom(seed: seed)
    var weights = rng.floats(filters * channels * kernel * kernel)
    for i in stride(from: 0, to: weights.count, by: 7) { weights[i] = 0 }  // zeros must be the centre colour
    weights[3] = 1.5  // the largest |w|: the positive end of the scale
    return ConvLayer(inputChannels: channels, filterCount: filters, kernel: Pair(kernel), weights: weights)
  }

  /// Numbers in the squares fit with room to spare, at 8 points or at 7: 5x5 kernels of three-digit weights
  /// used to run together.
  func testNumbersInSquaresFit() throws {
    let measure = Canvas(width: 1, height: 1, background: .white)
    for (kernel, values) in [(3, [Float](repeating: 0.5, count: 27)), (5, (0..<75).map { Float($0 % 7) * -0.0117 }), (5, (0..<75).map { Float($0) * 0.25 })] {
      var weights = values
      weights[1] = -0.023  // "-0.023": the widest kind
      let conv = ConvLayer(inputChannels: 3, filterCount: 1, kernel: Pair(kernel), weights: weights)
      let layout = KernelPicture.drawDiverging(conv, filters: ["f"], channels: ["R", "G", "B"], title: "t").1
      let size = try XCTUnwrap(layout.numberSize, "\(kernel)x\(kernel): numbers printed")
      for w in weights { XCTAssertLessThanOrEqual(measure.textWidth(KernelPicture.short(Double(w)), size: size), Double(layout.cell - 4), "\(kernel)x\(kernel): \(w)") }
    }
    // Small whole numbers (edges' Sobel kernels) are printed at 8 points; six-character weights such as
    // -0.012 at 7; 7x7 kernels have none.
    let small = ConvLayer(inputChannels: 1, filterCount: 1, kernel: Pair(3), weights: [-1, 0, 1, -2, 0, 2, -1, 0, 1])
    XCTAssertEqual(KernelPicture.drawDiverging(small, filters: ["f"], channels: ["Y"], title: "t").1.numberSize, 8)
    let long = ConvLayer(inputChannels: 1, filterCount: 1, kernel: Pair(5), weights: (0..<25).map { Float($0) * -0.0123 - 0.0123 })
    XCTAssertEqual(KernelPicture.drawDiverging(long, filters: ["f"], channels: ["Y"], title: "t").1.numberSize, 7)
    let large = ConvLayer(inputChannels: 1, filterCount: 1, kernel: Pair(7), weights: [Float](repeating: 0.5, count: 49))
    XCTAssertNil(KernelPicture.drawDiverging(large, filters: ["f"], channels: ["Y"], title: "t").1.numberSize)
  }

  func testEveryWeightIsASquareOfItsColourInItsOwnTile() throws {
    for (filters, channels, kernel) in [(4, 3, 3), (2, 5, 7)] {
      let conv = layer(filters: filters, channels: channels, kernel: kernel, seed: UInt64(kernel))
      let (canvas, layout) = KernelPicture.drawDiverging(
        conv, filters: (0..<filters).map { "f\($0)" }, channels: (0..<channels).map { "c\($0)" }, title: "test")
      XCTAssertEqual(layout.limit, 1.5)
      for f in 0..<filters {
        for c in 0..<channels {
          for ky in 0..<kernel {
            for kx in 0..<kernel {
              let w = Double(conv.weights[((f * channels + c) * kernel + ky) * kernel + kx])
              let center = layout.center(filter: f, channel: c, ky: ky, kx: kx)
              // A corner of the square: the number, when printed, is in its middle.
              let pixel = canvas.pixel(x: center.x - layout.cell / 2 + 1, y: center.y - layout.cell / 2 + 1)
              XCTAssertEqual(pixel, expectedColor(w, limit: 1.5), "filter \(f) channel \(c) (\(ky), \(kx)) = \(w)")
              if w == 0 { XCTAssertEqual(pixel, Canvas.Color(r: 247, g: 247, b: 247)) }
            }
          }
        }
      }
      // One tile per input channel along a row of filters, one per filter down a column: count the runs of
      // non-white pixels through the first row of squares and the first column.
      func runs(_ pixels: [Canvas.Color]) -> Int {
        var (count, inside) = (0, false)
        for p in pixels {
          let isTile = p != .white
          if isTile && !inside { count += 1 }
          inside = isTile
        }
        return count
      }
      let first = layout.center(filter: 0, channel: 0, ky: 0, kx: 0)
      let rowY = first.y - layout.cell / 2 + 1
      XCTAssertEqual(runs((layout.left..<canvas.width).map { canvas.pixel(x: $0, y: rowY) }), channels)
      let columnX = first.x - layout.cell / 2 + 1
      let bottom = layout.center(filter: filters - 1, channel: 0, ky: kernel - 1, kx: 0).y + layout.cell
      XCTAssertEqual(runs((layout.top..<bottom + 2).map { canvas.pixel(x: columnX, y: $0) }), filters)
    }
  }

  func testLargeLayersShrinkTheirSquaresToStayWithinTheLimit() {
    let conv = layer(filters: 64, channels: 64, kernel: 3, seed: 5)
    let (canvas, layout) = KernelPicture.drawDiverging(
      conv, filters: (0..<64).map { "f\($0)" }, channels: (0..<64).map { "c\($0)" }, title: "big", maximumPixels: 4_000_000)
    XCTAssertLessThan(layout.cell, 16)
    XCTAssertLessThanOrEqual(canvas.width * canvas.height, 4_500_000)  // the tiles within the limit, plus labels and the bar
  }
}
