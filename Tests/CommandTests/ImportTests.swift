import Basics
import ConvEngine
import FilterBanks
import Foundation
import Pipeline
import TestSupport
import XCTest

/// Trained weights through the built binary: banks that take filters `from` weights files, and
/// `featuremaps import`, in every format, give the maps of the same weights written as JSON.
final class ImportTests: TemporaryFolderTestCase {
  static let files = Project.root.appendingPathComponent("Tests/WeightsFilesTests/Files")
  static func weights(_ name: String) -> String { files.appendingPathComponent(name).path }
  let photo = Project.path("SampleImages/chelsea.png")

  /// The raw maps of `bank` on the photo, in filter order.
  func maps(_ bank: String, _ label: String) throws -> [[Float]] {
    let out = path("maps-\(label)")
    let result = try runFeaturemaps([photo, "--bank", bank, "--out", out, "--format", "npy", "-q"])
    XCTAssertEqual(result.status, 0, "\(label): \(result.stderr)")
    return try files("maps-\(label)/chelsea").filter { $0.hasSuffix(".npy") }.map { try readNPY(out + "/chelsea/" + $0).values }
  }

  /// A bank whose one layer takes its filters `from` a weights file.
  func fromBank(_ from: String, padding: String = "1", input: String = "") throws -> String {
    let bank = path("from-\(UUID().uuidString.prefix(6)).json")
    try Data("""
      {"format": "featuremaps-bank/1", \(input)"layers": [{"type": "conv", "padding": \(padding), "from": {\(from)}}]}
      """.utf8).write(to: URL(fileURLWithPath: bank))
    return bank
  }

  func testEveryFormatGivesTheMapsOfTheSameWeightsAsJSON() throws {
    let reference = try maps(Self.weights("reference.json"), "reference")
    let withoutBias = try maps(Self.weights("reference-nobias.json"), "nobias")
    let cases: [(String, String, [[Float]])] = [
      ("conv.npy", "", withoutBias), ("conv-v2-big-f8.npy", "", withoutBias), ("conv-v3-f2-fortran.npy", "", withoutBias),
      ("weights.npz", "\"weight\": \"conv.weight\", \"bias\": \"conv.bias\"", reference),
      ("weights-deflated.npz", "\"weight\": \"conv.weight\", \"bias\": \"conv.bias\"", reference),
      ("weights-f16.safetensors", "\"weight\": \"conv.weight\", \"bias\": \"conv.bias\"", reference),
      ("weights-bf16.safetensors", "\"weight\": \"conv.weight\", \"bias\": \"conv.bias\"", reference),
      ("weights-f64.safetensors", "\"weight\": \"conv.weight\", \"bias\": \"conv.bias\"", reference),
      ("state-dict.pth", "\"weight\": \"conv.weight\", \"bias\": \"conv.bias\"", reference),
      ("state-dict-legacy.pth", "\"weight\": \"conv.weight\", \"bias\": \"conv.bias\"", reference),
      ("checkpoint.pth", "\"weight\": \"state_dict.conv.weight\", \"bias\": \"state_dict.conv.bias\"", reference),
      ("convs.onnx", "\"weight\": \"conv1.weight\", \"bias\": \"conv1.bias\"", reference),
      // Keras kernels are HWIO: the default layout for HDF5 files.
      ("keras3.weights.h5", "\"weight\": \"layers/conv2d/vars/0\", \"bias\": \"layers/conv2d/vars/1\"", reference),
      ("keras2.h5", "\"weight\": \"model_weights/conv/sequential/conv/kernel\", \"bias\": \"model_weights/conv/sequential/conv/bias\"", reference),
    ]
    for (file, tensors, expected) in cases {
      let bank = try fromBank("\"file\": \"\(Self.weights(file))\"" + (tensors.isEmpty ? "" : ", " + tensors))
      XCTAssertEqual(try maps(bank, file), expected, "\(file): maps differ from the same weights as JSON")
    }
  }

  func testHWIOAndOIHWGiveTheSameMapsAndAFileIsFoundBesideItsBank() throws {
    try FileManager.default.copyItem(atPath: Self.weights("keras3.weights.h5"), toPath: path("k.weights.h5"))
    let hwio = try fromBank("\"file\": \"k.weights.h5\", \"weight\": \"layers/conv2d/vars/0\", \"layout\": \"HWIO\"")
    let oihw = try fromBank("\"file\": \"\(Self.weights("state-dict.pth"))\", \"weight\": \"conv.weight\", \"layout\": \"OIHW\"")
    XCTAssertEqual(try maps(hwio, "hwio"), try maps(oihw, "oihw"))
  }

  /// Imported and folded banks, read as JSON, hold exactly the float64 fold rounded to Float32.
  func testBatchNormFoldingMatchesAFloat64Computation() throws {
    let folded = try FilterBank.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.weights("reference-folded.json")))), file: "r")
    let foldedKeras = try FilterBank.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.weights("reference-folded-keras.json")))), file: "r")
    let cases: [(String, [String], FilterBank)] = [
      ("state-dict.pth", ["--weight", "conv.weight", "--bias", "conv.bias", "--batchnorm", "bn"], folded),
      ("weights.npz", ["--weight", "conv.weight", "--bias", "conv.bias", "--batchnorm", "bn"], folded),
      ("weights-f32.safetensors", ["--weight", "conv.weight", "--bias", "conv.bias", "--batchnorm", "bn"], folded),
      ("keras3.weights.h5", ["--weight", "layers/conv2d/vars/0", "--bias", "layers/conv2d/vars/1", "--batchnorm", "layers/batch_normalization"], foldedKeras),
      ("keras2.h5", ["--weight", "model_weights/conv/sequential/conv/kernel", "--bias", "model_weights/conv/sequential/conv/bias",
                     "--batchnorm", "model_weights/bn/sequential/bn"], foldedKeras),
      ("convs.onnx", ["--node", "first", "--activation", "none"], folded),
    ]
    for (file, options, expected) in cases {
      let out = path("\(file).json")
      let result = try runFeaturemaps(["import", Self.weights(file)] + options + ["--padding", "1", "--out", out])
      XCTAssertEqual(result.status, 0, "\(file): \(result.stderr)")
      let bank = try BankCatalog.load(out).bank
      guard case .conv(let got) = bank.network[0], case .conv(let want) = expected.network[0] else { return XCTFail(file) }
      XCTAssertEqual(got.weights, want.weights, "\(file): folded weights")
      XCTAssertEqual(got.bias, want.bias, "\(file): folded bias")
      let expectedFile = file.hasSuffix(".h5") ? "reference-folded-keras.json" : "reference-folded.json"
      XCTAssertEqual(try maps(out, "folded-\(file)"), try maps(Self.weights(expectedFile), "expected-\(file)"))
    }
  }

  /// ONNX Conv nodes imported with what follows them (a batch norm; Transpose, Add, Sub, Mul, Add and a Clip)
  /// give ONNX Runtime's outputs of the model (computed when the file was made).
  func testONNXNodesGiveONNXRuntimeOutputs() throws {
    let input = try readNPYTensor(Self.weights("onnx-input.npy"))
    for (node, output) in [("1", "onnx-y1.npy"), ("second", "onnx-y2.npy")] {
      let out = path("node-\(node).json")
      let result = try runFeaturemaps(["import", Self.weights("convs.onnx"), "--node", node, "--out", out])
      XCTAssertEqual(result.status, 0, result.stderr)
      let bank = try BankCatalog.load(out).bank
      let mine = try BankRun(bank: bank, input: input, engine: Engine(threads: 1)).output(ofLayer: bank.layers.count - 1)
      let expected = try readNPYTensor(Self.weights(output))
      XCTAssertEqual([mine.channels, mine.height, mine.width], [expected.channels, expected.height, expected.width], node)
      let scale = expected.values.map(abs).max()!
      let worst = zip(mine.values, expected.values).map { abs($0 - $1) }.max()!
      XCTAssertLessThan(worst, 1e-5 * scale, "node \(node): largest difference \(worst) of \(scale)")
    }
  }

  func testImportRecordsTheFileItsHashAndTheTensors() throws {
    let out = path("imported.json")
    let result = try runFeaturemaps(["import", Self.weights("state-dict.pth"), "--weight", "conv.weight", "--bias", "conv.bias",
                                     "--stride", "2", "--padding", "same", "--activation", "relu", "--channels", "B,G,R",
                                     "--mean", "0.4,0.5,0.6", "--std", "0.2,0.2,0.2", "--source", "license=CC0-1.0", "--out", out])
    XCTAssertEqual(result.status, 0, result.stderr)
    let json = try self.json("imported.json")
    let source = try XCTUnwrap(json["source"] as? [String: Any])
    XCTAssertEqual(source["file"] as? String, "state-dict.pth")
    XCTAssertEqual(source["sha256"] as? String, SHA256Hex.of(Self.weights("state-dict.pth")))
    XCTAssertEqual(source["tensors"] as? [String], ["conv.weight", "conv.bias"])
    XCTAssertEqual(source["license"] as? String, "CC0-1.0")
    let bank = try BankCatalog.load(out).bank
    XCTAssertEqual(bank.input.channels, ["B", "G", "R"])
    guard case .conv(let conv) = bank.network[0] else { return XCTFail() }
    XCTAssertEqual([conv.stride, conv.activation == .relu ? Pair(1) : Pair(0)], [Pair(2), Pair(1)])
    XCTAssertEqual(bank.layers[0].outputNames, ["conv1-0", "conv1-1", "conv1-2", "conv1-3"])
    // A bank with "from" layers, resolved: the same filters, listed.
    let template = try fromBank("\"file\": \"\(Self.weights("weights.npz"))\", \"weight\": \"conv.weight\", \"bias\": \"conv.bias\", \"names\": [\"a\", \"b\", \"c\", \"d\"]")
    let resolved = path("resolved.json")
    XCTAssertEqual(try runFeaturemaps(["import", template, "--out", resolved]).status, 0)
    XCTAssertEqual(try maps(resolved, "resolved"), try maps(Self.weights("reference.json"), "reference"))
    XCTAssertEqual(try BankCatalog.load(resolved).bank.layers[0].outputNames, ["a", "b", "c", "d"])
    let weights = try XCTUnwrap((try self.json("resolved.json")["source"] as? [String: Any])?["weights"] as? [[String: Any]])
    XCTAssertEqual(weights.first?["tensors"] as? [String], ["conv.weight", "conv.bias"])
  }

  /// Bad "from" layers and bad files: status 2, one line naming the bank, the JSON path and the problem.
  func testRefusalsSayWhatIsWrongInOneLine() throws {
    let pth = Self.weights("state-dict.pth")
    let cases: [(String, String, String)] = [
      ("\"file\": \"\(pth)\", \"weight\": \"conv.wieght\"", "",
       "layers[0].from.weight: \(pth): has no tensor 'conv.wieght'; the closest are conv.weight, bn.weight, conv.bias"),
      ("\"file\": \"\(pth)\", \"weight\": \"conv.weight\", \"bias\": \"conv.weight\"", "",
       "layers[0].from.bias: 'conv.weight' has shape [4, 3, 3, 3], but the weight [4, 3, 3, 3] has 4 filters: expected [4]"),
      ("\"file\": \"\(pth)\", \"weight\": \"conv.bias\"", "",
       "layers[0].from.weight: 'conv.bias' has shape [4]; a conv weight is 4-D (OIHW)"),
      ("\"file\": \"\(pth)\", \"weight\": \"conv.weight\"", "\"input\": {\"channels\": [\"Y\"]}, ",
       "layers[0].from.weight: 'conv.weight' has shape [4, 3, 3, 3] (OIHW): 3 input channels per filter, but the layer's input has 1 channels in 1 group, so it expects [filters, 1, rows, columns]"),
      ("\"file\": \"\(pth)\", \"weight\": \"conv.weight\", \"batchnorm\": \"norm\"", "",
       "layers[0].from.batchnorm: \(pth) has no batch norm at 'norm' (expected norm.weight, .bias, .running_mean, .running_var, or gamma, beta, moving_mean, moving_variance)"),
      ("\"file\": \"\(Self.weights("evil.pth"))\", \"weight\": \"conv.weight\"", "",
       "layers[0].from.file: \(Self.weights("evil.pth")): the pickle names 'posix.system', which is not part of a state dict: refused, nothing in the file was run"),
      ("\"file\": \"missing.pth\"", "", "layers[0].from.file: \(path("missing.pth")): no such weights file"),
    ]
    for (from, input, message) in cases {
      let bank = try fromBank(from, input: input)
      let result = try runFeaturemaps([photo, "--bank", bank, "--out", path("maps")])
      XCTAssertEqual(result.status, 2, from)
      XCTAssertEqual(result.stderr, "featuremaps: \(bank): \(message)\n")
      XCTAssertFalse(FileManager.default.fileExists(atPath: path("maps/chelsea")), "maps were written for a bad bank")
    }
    let listed = try runFeaturemaps(["import", Self.weights("whole-model.pth"), "--list"])
    XCTAssertEqual(listed.status, 2)
    XCTAssertEqual(listed.stderr, "featuremaps: \(Self.weights("whole-model.pth")): holds a whole pickled model ('torch.nn.modules.container.Sequential'), not its weights; save them with torch.save(model.state_dict(), PATH) and import that file\n")
  }

  func testListShowsTensorsAndONNXConvNodes() throws {
    let result = try runFeaturemaps(["import", Self.weights("convs.onnx"), "--list"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let lines = result.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines[0], "\(Self.weights("convs.onnx")): ONNX, 13 tensors")
    XCTAssertEqual(lines[1], "  conv1.weight  FLOAT  [4, 3, 3, 3]")
    XCTAssertTrue(lines.contains("  2  second  weight conv2.weight [4, 3, 3, 3], bias none, strides [2, 1], pads [0, 1, 2, 1], dilations [1, 2], group 1, auto_pad NOTSET; folds Add add.bias, Sub sub.mean, Mul mul.scale, Add add.beta; then relu6"), result.stdout)
    // The first node's chain: its batch norm, its activation.
    XCTAssertTrue(lines.contains("  1  first  weight conv1.weight [4, 3, 3, 3], bias conv1.bias, strides [1, 1], pads [1, 1, 1, 1], dilations [1, 1], group 1, auto_pad NOTSET; folds BatchNormalization; then relu"), result.stdout)
  }
}

/// A `.npy` of shape (C, H, W) as a tensor.
func readNPYTensor(_ path: String) throws -> Tensor {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
  let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
  let shape = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
    .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
  let data = Array(bytes[(10 + headerLength)...])
  let values = stride(from: 0, to: data.count, by: 4).map { i in
    Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
  }
  return Tensor(channels: shape[0], height: shape[1], width: shape[2], values: values)
}

/// SHA-256 of a file, as featuremaps computes it (itself checked against FIPS vectors in BasicsTests).
enum SHA256Hex {
  static func of(_ path: String) -> String { SHA256.hex([UInt8](FileManager.default.contents(atPath: path)!)) }
}
