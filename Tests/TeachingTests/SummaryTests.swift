import ConvEngine
import FilterBanks
import Foundation
import TestSupport
import XCTest

@testable import Teaching

/// `summary` against PyTorch's own counts, shapes and measured receptive fields (Files/summary-expected.json,
/// made by Files/make_summary_expectations.py), and the literature's examples.
final class SummaryTests: XCTestCase {
  static let files = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Files")

  func testTwentyRandomBanksMatchPyTorch() throws {
    let data = try Data(contentsOf: Self.files.appendingPathComponent("summary-expected.json"))
    let cases = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    XCTAssertEqual(cases.count, 20)
    for expected in cases {
      let file = expected["bank"] as! String
      let bank = try BankCatalog.load(Self.files.appendingPathComponent(file).path).bank
      let size = expected["input"] as! [Int]
      let summary = try BankSummary(bank, input: (size[0], size[1]))
      let layers = expected["layers"] as! [[String: Any]]
      XCTAssertEqual(summary.layers.map(\.type), layers.map { $0["type"] as! String }, file)
      XCTAssertEqual(summary.layers.map(\.parameters), layers.map { $0["parameters"] as! Int }, file)
      XCTAssertEqual(summary.layers.map(\.output), layers.map { $0["output"] as? [Int] }, file)
      XCTAssertEqual(summary.totalParameters, expected["total_parameters"] as! Int, file)
      let last = summary.layers.last!
      XCTAssertEqual([last.receptiveField.y, last.receptiveField.x], expected["receptive_field"] as! [Int], "\(file): receptive field")
      XCTAssertEqual([last.jump.y, last.jump.x], expected["jump"] as! [Int], "\(file): jump")
      // Multiply-adds per conv layer: each weight once per output pixel, PyTorch's output shape times the
      // number of weights the bank file holds.
      for ((layer, entry), expectedLayer) in zip(zip(bank.network, summary.layers), layers) {
        guard case .conv(let c) = layer, let output = expectedLayer["output"] as? [Int] else { continue }
        XCTAssertEqual(entry.multiplyAdds, output[1] * output[2] * c.weights.count, file)
      }
    }
  }

  /// Keras's example: 28x28x3, Conv2D 32 5x5 then 17, 13 and 7 filters 3x3, 'same', use_bias=False: 2400,
  /// 4896, 1989 and 819 parameters, 10104 in all; every output 28x28.
  func testKerasCounts() throws {
    var channels = ["R", "G", "B"]
    var layers: [String] = []
    for (index, (filters, side)) in [(32, 5), (17, 3), (13, 3), (7, 3)].enumerated() {
      let names = (0..<filters).map { "l\(index)f\($0)" }
      let kernel = "[" + Array(repeating: "[" + Array(repeating: "0", count: side).joined(separator: ", ") + "]", count: side).joined(separator: ", ") + "]"
      let filterJSON = names.map { "{\"name\": \"\($0)\", \"weights\": [" + Array(repeating: kernel, count: channels.count).joined(separator: ", ") + "]}" }
      layers.append("{\"type\": \"conv\", \"padding\": \"same\", \"filters\": [\(filterJSON.joined(separator: ", "))]}")
      channels = names
    }
    let bank = try FilterBank.parse(Array("{\"format\": \"featuremaps-bank/1\", \"layers\": [\(layers.joined(separator: ", "))]}".utf8), file: "keras.json")
    let summary = try BankSummary(bank, input: (28, 28))
    XCTAssertEqual(summary.layers.map(\.parameters), [2400, 4896, 1989, 819])
    XCTAssertEqual(summary.totalParameters, 10104)
    XCTAssertEqual(summary.layers.map(\.output), [[32, 28, 28], [17, 28, 28], [13, 28, 28], [7, 28, 28]])
    XCTAssertTrue(summary.text.contains("total parameters: 10,104"), summary.text)
  }

  /// A 9x9x5 input and 56 filters of 4x4, valid: 6x6x56, from 56 x 5 = 280 two-dimensional 4x4 kernels. The
  /// 5 channels come from a first 1x1 layer, since a picture has at most 3.
  func testNineByNineByFiveInto56Filters() throws {
    let first = (0..<5).map { "{\"name\": \"c\($0)\", \"weights\": [[[1]], [[1]], [[1]]]}" }.joined(separator: ", ")
    let kernel = "[[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]"
    let second = (0..<56).map { "{\"name\": \"f\($0)\", \"weights\": [" + Array(repeating: kernel, count: 5).joined(separator: ", ") + "]}" }
    let json = "{\"format\": \"featuremaps-bank/1\", \"layers\": [{\"type\": \"conv\", \"filters\": [\(first)]}, {\"type\": \"conv\", \"filters\": [\(second.joined(separator: ", "))]}]}"
    let summary = try BankSummary(try FilterBank.parse(Array(json.utf8), file: "t.json"), input: (9, 9))
    XCTAssertEqual(summary.layers[1].kernel, [56, 5, 4, 4])
    XCTAssertEqual(summary.layers[1].kernel[0] * summary.layers[1].kernel[1], 280)
    XCTAssertEqual(summary.layers[1].output, [56, 6, 6])
    XCTAssertEqual(summary.layers[1].parameters, 56 * 5 * 16)
  }

  func testWithoutAnInputSizeThereAreNoShapes() throws {
    let summary = try BankSummary(try BankCatalog.load("resnet50-conv1").bank, input: nil)
    XCTAssertNil(summary.layers[0].output)
    XCTAssertNil(summary.totalMultiplyAdds)
    XCTAssertEqual(summary.totalParameters, 9472)
    XCTAssertEqual([summary.layers[0].receptiveField, summary.layers[0].jump], [Pair(7), Pair(2)])
  }

  /// MobileNetV2's first block as torchvision trained it: convs without biases, each followed by a batch
  /// norm (folded in the shipped bank). Its conv weights are 864 + 288 + 512 = 1,664; torchinfo adds the
  /// batch norms' scale and shift, 2 x (32 + 32 + 16) = 160; Keras also counts the running mean and
  /// variance (another 160). The folded bank has 1,664 weights plus one bias per filter, 1,744.
  func testFoldedBatchNormsAreCountedAsTheFrameworksCountThem() throws {
    let summary = try BankSummary(try BankCatalog.load("mobilenet-v2-block1").bank, input: nil)
    XCTAssertEqual(summary.totalParameters, 1744)
    XCTAssertEqual(summary.totalAsTrained?.trainable, 1664 + 160)
    XCTAssertEqual(summary.totalAsTrained?.all, 1664 + 320)
    XCTAssertEqual(summary.layers.map { $0.asTrained?.trainable }, [864 + 64, 288 + 64, 512 + 32])
    XCTAssertTrue(summary.text.contains("as trained, before the batch norms were folded in: 1,984 (as Keras's summary() counts"), summary.text)
    XCTAssertTrue(summary.text.contains("1,824 trainable (as torchinfo counts: scale and shift)"), summary.text)
    // A bank with no batch norm folded has one count: no "as trained" column or line.
    let plain = try BankSummary(try BankCatalog.load("vgg16-block2").bank, input: nil)
    XCTAssertNil(plain.totalAsTrained)
    XCTAssertFalse(plain.text.contains("as trained"))
    // Keras's VGG16 summary: block1_conv1 1,792, block1_conv2 36,928, block2_conv1 73,856, block2_conv2 147,584.
    XCTAssertEqual(plain.layers.map(\.parameters), [1792, 36928, 0, 73856, 147584])
  }
}
