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

  /// VGG16 through block 2, layer by layer, against ONNX Runtime running the same Keras weights
  /// (Trained/make_vgg16_block2_references.py): each of the five layers' maps (--all-layers), the max
  /// pooling's included.
  func testVGG16ThroughBlock2MatchesONNXRuntimeLayerByLayer() throws {
    let result = try runFeaturemaps([Self.folder.appendingPathComponent("crop.png").path, "--bank", "vgg16-block2", "--out", path("v"),
                                     "--format", "npy", "--all-layers", "-q"])
    XCTAssertEqual(result.status, 0, result.stderr)
    for layer in 1...5 {
      let expected = try readNPYTensor(Self.folder.appendingPathComponent("vgg16-block2-layer\(layer).npy").path)
      let maps = files("v/crop/layer\(layer)").filter { $0.hasSuffix(".npy") }
      XCTAssertEqual(maps.count, expected.channels, "layer \(layer)")
      var worst: Float = 0
      let scale = expected.values.map(abs).max()!
      for (c, file) in maps.enumerated() {
        let map = try readNPY(path("v/crop/layer\(layer)/\(file)"))
        XCTAssertEqual(map.width, layer < 3 ? 224 : 112)
        for y in 0..<16 {
          for x in 0..<16 {
            worst = max(worst, abs(map.values[(Self.window + y) * map.width + Self.window + x] - expected[c, y, x]))
          }
        }
      }
      XCTAssertLessThan(worst, 1e-5 * scale, "layer \(layer): largest difference \(worst) of \(scale)")
    }
  }

  /// Every shipped bank on the three sample photos (24x24 pixels from the middle of each: the float64
  /// reference is slow in a debug build), layer by layer (each layer fed the float64 reference's previous
  /// output): the engine equals the float64 reference with each algorithm it may choose. Where the CPU has
  /// AVX-512, Winograd's path takes VGG16's second layer (64 filters 3x3x64) and the FFT's gabor (11x11x3)
  /// and learned-samples (7x7x3); space-to-depth takes the strided first layers (ResNet-50, MobileNetV2).
  func testShippedBanksMatchTheFloat64ReferenceWithEveryAlgorithm() throws {
    var taken: Set<String> = []
    for (loaded, photo) in try BankCatalog.builtInBanks().flatMap({ bank in ["chelsea.png", "coffee.png", "rocket.jpg"].map { (bank, $0) } }) {
      let picture = try PreparedPicture.load(path: Project.path("SampleImages/\(photo)"), for: loaded.bank.input, decoder: PictureDecoder()).tensor
      var window = Tensor(channels: picture.channels, height: 24, width: 24)
      for c in 0..<picture.channels {
        for y in 0..<24 { for x in 0..<24 { window[c, y, x] = picture[c, y + picture.height / 2, x + picture.width / 2] } }
      }
      let references = try ReferenceEngine.run(loaded.bank.network, on: window)
      for (index, layer) in loaded.bank.network.enumerated() {
        let input = index == 0 ? window : references[index - 1]
        let reference = references[index]
        let scale = max(reference.values.map(abs).max() ?? 0, 1e-30)
        for algorithm in Engine.Algorithm.allCases {
          let engine = Engine(threads: 2, algorithm: algorithm)
          let name = engine.algorithmName(of: layer)
          for kind in ["Winograd", "FFT", "space-to-depth"] where name.hasPrefix(kind) { taken.insert(kind) }
          let output = try engine.apply(layer, to: input, layerIndex: index)
          let worst = zip(output.values, reference.values).map { abs($0 - $1) }.max() ?? 0
          XCTAssertLessThan(worst, 1e-5 * scale, "\(loaded.bank.name) on \(photo), layer \(index + 1), \(engine.algorithmName(of: layer))")
        }
      }
    }
    if Engine.Path.avx512.isSupported {
      XCTAssertEqual(taken, ["Winograd", "FFT", "space-to-depth"], "the faster algorithms the shipped banks took")
    }
  }
}
