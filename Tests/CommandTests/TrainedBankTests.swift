import ConvEngine
import FilterBanks
import Foundation
import TestSupport
import XCTest

/// The trained banks of Filters/ compute what their frameworks compute: ONNX Runtime for the ResNet-50
/// layer, PyTorch for MobileNetV2's block and VGG16's (from the Keras weights), on a crop of a sample photo.
/// The references are 16x16 windows of the frameworks' outputs, made by Trained/make_references.py.
final class TrainedBankTests: TemporaryFolderTestCase {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Trained")
  static let window = 40

  func testTrainedBanksGiveTheirFrameworksOutputs() throws {
    for bank in ["resnet50-conv1", "mobilenet-v2-block1", "vgg16-block1"] {
      let result = try runFeaturemaps([Self.folder.appendingPathComponent("crop.png").path, "--bank", bank, "--out", path(bank),
                                       "--format", "npy", "-q"])
      XCTAssertEqual(result.status, 0, result.stderr)
      let expected = try readNPYTensor(Self.folder.appendingPathComponent("\(bank).npy").path)
      let maps = files("\(bank)/crop").filter { $0.hasSuffix(".npy") }
      XCTAssertEqual(maps.count, expected.channels, bank)
      var worst: Float = 0
      let scale = expected.values.map(abs).max()!
      for (c, file) in maps.enumerated() {
        let map = try readNPY(path("\(bank)/crop/\(file)"))
        for y in 0..<16 {
          for x in 0..<16 {
            worst = max(worst, abs(map.values[(Self.window + y) * map.width + Self.window + x] - expected[c, y, x]))
          }
        }
      }
      XCTAssertLessThan(worst, 1e-5 * scale, "\(bank): largest difference \(worst) of \(scale)")
    }
  }
}
