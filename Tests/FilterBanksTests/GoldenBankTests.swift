import ConvEngine
import XCTest

@testable import FilterBanks

/// Examples from the literature, read as banks: the numbers come from the bank through the code.
final class GoldenBankTests: XCTestCase {
  /// Keras's classic example: input 28x28x3, Conv2D 32 5x5 `same`, then 17, 13 and 7 filters 3x3 `same`,
  /// `use_bias=False`. Keras's summary gives 2400, 4896, 1989 and 819 parameters, 10104 in all.
  func testKerasParameterCountsOfABankWithoutBiases() throws {
    var channels = ["R", "G", "B"]
    var layers: [String] = []
    for (index, (filters, side)) in [(32, 5), (17, 3), (13, 3), (7, 3)].enumerated() {
      let names = (0..<filters).map { "l\(index)f\($0)" }
      let kernel = "[" + Array(repeating: "[" + Array(repeating: "0.01", count: side).joined(separator: ", ") + "]", count: side)
        .joined(separator: ", ") + "]"
      let filterJSON = names.map { name in
        "{\"name\": \"\(name)\", \"kernels\": {" + channels.map { "\"\($0)\": \(kernel)" }.joined(separator: ", ") + "}}"
      }
      layers.append("{\"type\": \"conv\", \"padding\": \"same\", \"filters\": [\(filterJSON.joined(separator: ", "))]}")
      channels = names
    }
    let json = "{\"format\": \"featuremaps-bank/1\", \"layers\": [\(layers.joined(separator: ", "))]}"
    let bank = try FilterBank.parse(Array(json.utf8), file: "keras.json")
    let counts = bank.network.map { layer -> Int in
      guard case .conv(let conv) = layer else { return 0 }
      return conv.parameterCount
    }
    XCTAssertEqual(counts, [2400, 4896, 1989, 819])
    XCTAssertEqual(counts.reduce(0, +), 10104)
    let shapes = try bank.geometries(width: 28, height: 28).map { [$0.outputHeight, $0.outputWidth] }
    XCTAssertEqual(shapes, Array(repeating: [28, 28], count: 4))
  }

  /// A filter that gives a bias makes the layer count one bias per filter, as PyTorch's `bias=True`.
  func testOneBiasMakesTheLayerCountABiasPerFilter() throws {
    let json = """
      {"format": "featuremaps-bank/1", "filters": [{"name": "a", "bias": 0.5, "weights": [[[1]], [[1]], [[1]]]},
                                                  {"name": "b", "weights": [[[1]], [[1]], [[1]]]}]}
      """
    let bank = try FilterBank.parse(Array(json.utf8), file: "t.json")
    guard case .conv(let conv) = bank.network[0] else { return XCTFail("not a conv layer") }
    XCTAssertEqual(conv.parameterCount, 2 * 3 + 2)
    XCTAssertEqual(conv.bias, [0.5, 0])
  }
}
