import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs
import InputPreparation
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

  /// Every shipped bank on a real photo (32x32 pixels of it), layer by layer (each layer fed the float64 reference's previous
  /// output): the engine equals the float64 reference with each algorithm it may choose. Winograd's path
  /// takes VGG16's second layer (64 filters 3x3x64) where the CPU has AVX-512.
  func testShippedBanksMatchTheFloat64ReferenceWithEveryAlgorithm() throws {
    var winogradLayers = 0
    for loaded in try BankCatalog.builtInBanks() {
      let picture = try PreparedPicture.load(path: Self.folder.appendingPathComponent("crop.png").path, for: loaded.bank.input,
                                             decoder: PictureDecoder()).tensor
      // 32x32 pixels from the middle: the float64 reference is slow in a debug build.
      var window = Tensor(channels: picture.channels, height: 32, width: 32)
      for c in 0..<picture.channels {
        for y in 0..<32 { for x in 0..<32 { window[c, y, x] = picture[c, y + 80, x + 80] } }
      }
      let references = try ReferenceEngine.run(loaded.bank.network, on: window)
      for (index, layer) in loaded.bank.network.enumerated() {
        let input = index == 0 ? window : references[index - 1]
        let reference = references[index]
        let scale = max(reference.values.map(abs).max() ?? 0, 1e-30)
        for algorithm in Engine.Algorithm.allCases {
          let engine = Engine(threads: 2, algorithm: algorithm)
          if engine.algorithmName(of: layer).hasPrefix("Winograd") { winogradLayers += 1 }
          let output = try engine.apply(layer, to: input, layerIndex: index)
          let worst = zip(output.values, reference.values).map { abs($0 - $1) }.max() ?? 0
          XCTAssertLessThan(worst, 1e-5 * scale, "\(loaded.bank.name) layer \(index + 1), \(engine.algorithmName(of: layer))")
        }
      }
    }
    if Engine.Path.avx512.isSupported { XCTAssertGreaterThan(winogradLayers, 0, "no shipped bank took Winograd's path") }
  }
}
