import Foundation
import TestSupport
import XCTest

/// Every activation imported from an ONNX model as exporters write it, and its maps against ONNX
/// Runtime's output for the same model on the same picture (models and outputs made by
/// Activations/make_activation_models.py).
final class ActivationImportTests: TemporaryFolderTestCase {
  let models = Project.path("Tests/CommandTests/Activations")
  let picture = Project.path("Tests/CommandTests/Pictures/small.png")

  func testEveryActivationImportsFromONNXAndMatchesONNXRuntime() throws {
    let expected: [(model: String, activation: String)] = [
      ("silu", "silu"), ("hard_swish", "hard_swish"), ("hard_swish_gated", "hard_swish"), ("hard_sigmoid", "hard_sigmoid"),
      ("gelu", "gelu"), ("gelu_tanh", "gelu_tanh"), ("elu", "elu"), ("mish", "mish"), ("clip", "clip"), ("prelu", "prelu"),
      ("leaky_relu", "leaky_relu"), ("sigmoid", "sigmoid"), ("tanh", "tanh"),
    ]
    for (model, activation) in expected {
      let bank = path("\(model).json")
      let imported = try runFeaturemaps(["import", "\(models)/\(model).onnx", "--node", "conv", "--out", bank])
      XCTAssertEqual(imported.status, 0, "\(model): \(imported.stderr)")
      XCTAssertEqual(imported.stderr, "", model)  // nothing left out: no note
      let layer = try XCTUnwrap((try json("\(model).json")["layers"] as? [[String: Any]])?.first)
      XCTAssertEqual(layer["activation"] as? String, activation, model)

      let run = try runFeaturemaps([picture, "--bank", bank, "--out", path("maps-\(model)"), "--format", "npy", "-q"])
      XCTAssertEqual(run.status, 0, "\(model): \(run.stderr)")
      let reference = try readNPYStack("\(models)/\(model).npy")
      let scale = max(reference.values.map(abs).max() ?? 0, 1e-30)
      for f in 0..<reference.count {
        let mine = try readNPY(path("maps-\(model)/small/\(String(format: "%02d", f))-conv1-\(f).npy"))
        XCTAssertEqual([mine.height, mine.width], [reference.height, reference.width], model)
        let plane = reference.height * reference.width
        let worst = zip(mine.values, reference.values[(f * plane)..<((f + 1) * plane)]).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst / scale, 1e-5, "\(model), map \(f): largest difference from ONNX Runtime \(worst)")
      }
    }
  }

  func testAChainThatGoesOnPastWhatABankHoldsIsSaidInOneLine() throws {
    let imported = try runFeaturemaps(["import", "\(models)/stops.onnx", "--node", "conv", "--out", path("stops.json")])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    XCTAssertEqual(imported.stderr, "featuremaps: note: \(models)/stops.onnx: node 'conv': the bank stops after the Conv, before an unnamed Softmax node, which a bank cannot express\n")
  }

  func testActivationsABankCannotTakeAreRefusedInOneLine() throws {
    let cases: [(String, String)] = [
      ("bad_prelu", "featuremaps: \(models)/bad_prelu.onnx: node 'conv' is followed by PRelu, whose slope 'slope' has 3 values for 4 filters: PReLU has 1 or one per filter\n"),
      ("bad_clip", "featuremaps: \(models)/bad_clip.onnx: node 'conv' is followed by Clip, whose min 2.0 is greater than its max 1.0\n"),
    ]
    for (model, message) in cases {
      let result = try runFeaturemaps(["import", "\(models)/\(model).onnx", "--node", "conv", "--out", path("\(model).json")])
      XCTAssertEqual(result.status, 2, model)
      XCTAssertEqual(result.stderr, message, model)
      XCTAssertFalse(FileManager.default.fileExists(atPath: path("\(model).json")), "\(model): nothing is written")
    }
  }

  /// `--activation` with parameters after a colon, checked against the filters.
  func testActivationOptionTakesParameters() throws {
    let model = "\(models)/tanh.onnx"
    let ok = try runFeaturemaps(["import", model, "--node", "conv", "--activation", "clip:-0.5,1.5", "--out", path("c.json")])
    XCTAssertEqual(ok.status, 0, ok.stderr)
    let layer = try XCTUnwrap((try json("c.json")["layers"] as? [[String: Any]])?.first)
    XCTAssertEqual(layer["activation"] as? String, "clip")
    XCTAssertEqual(layer["min"] as? Double, -0.5)
    XCTAssertEqual(layer["max"] as? Double, 1.5)
    let wrong = try runFeaturemaps(["import", model, "--node", "conv", "--activation", "prelu:0.1,0.2", "--out", path("p.json")])
    XCTAssertEqual(wrong.status, 2)
    XCTAssertEqual(wrong.stderr, "featuremaps: --activation: 2 slopes for 4 filters: give one slope for all, or one per filter\n")
  }
}

/// What an import can tell from the file itself: SAME_LOWER padding, a kernel in the other layout, a layer
/// from deeper in a network.
final class ImportShapeTests: TemporaryFolderTestCase {
  let models = Project.path("Tests/CommandTests/Activations")

  func testSameLowerAtStrideOneIsExplicitPaddingAndMatchesONNXRuntime() throws {
    let imported = try runFeaturemaps(["import", "\(models)/same_lower.onnx", "--node", "conv", "--out", path("sl.json")])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    let layer = try XCTUnwrap((try json("sl.json")["layers"] as? [[String: Any]])?.first)
    XCTAssertEqual(layer["padding"] as? [Int], [2, 2, 1, 1])  // top, left, bottom, right: the odd pixel above and left
    let run = try runFeaturemaps([Project.path("Tests/CommandTests/Pictures/small.png"), "--bank", path("sl.json"), "--out", path("m"), "--format", "npy", "-q"])
    XCTAssertEqual(run.status, 0, run.stderr)
    let reference = try readNPYStack("\(models)/same_lower.npy")
    let scale = reference.values.map(abs).max() ?? 1
    let plane = reference.height * reference.width
    for f in 0..<reference.count {
      let mine = try readNPY(path("m/small/\(String(format: "%02d", f))-conv1-\(f).npy"))
      let worst = zip(mine.values, reference.values[(f * plane)..<((f + 1) * plane)]).map { abs($0 - $1) }.max() ?? .infinity
      XCTAssertLessThanOrEqual(worst / scale, 1e-5, "map \(f)")
    }
  }

  func testShapesAndPaddingsABankCannotTakeAreToldInOneLine() throws {
    let cases: [([String], String)] = [
      (["\(models)/same_lower_strided.onnx", "--node", "conv"],
       "featuremaps: \(models)/same_lower_strided.onnx: node 'conv' pads SAME_LOWER with strides [2, 2], which depends on the picture's size and a bank cannot say; give --padding\n"),
      (["\(models)/hwio.npy", "--padding", "1"],
       "featuremaps: \(models)/hwio.npy: 'hwio' has shape [3, 3, 3, 4]: read as OIHW (the default) that is 3 filters of 3x4 kernels, as HWIO 4 filters of 3x3 kernels over 3 channels; give --layout HWIO (or --layout OIHW)\n"),
      (["\(models)/grouped16.npy", "--groups", "4"],
       "featuremaps: \(models)/grouped16.npy: 'grouped16' has shape [16, 4, 3, 3] (OIHW): its filters see 16 input channels (4 groups of 4), but an imported layer's input is the picture's 3 channels: it is a layer deeper in the network, not a first layer\n"),
    ]
    for (arguments, message) in cases {
      let result = try runFeaturemaps(["import"] + arguments + ["--out", path("x.json")])
      XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
      XCTAssertEqual(result.stderr, message)
      XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.json")))
    }
    // Told the layout, the same file imports.
    let hwio = try runFeaturemaps(["import", "\(models)/hwio.npy", "--layout", "HWIO", "--padding", "1", "--out", path("h.json")])
    XCTAssertEqual(hwio.status, 0, hwio.stderr)
  }
}

/// `import --until`: a network's stem as one bank, layer after layer against ONNX Runtime's intermediate
/// outputs (Activations/stem.onnx: Conv-BN-SiLU, depthwise Conv-BN-HardSwish, MaxPool, 1x1 Conv-BN-PRelu,
/// then a residual Add).
final class StemImportTests: TemporaryFolderTestCase {
  let models = Project.path("Tests/CommandTests/Activations")

  func testTheStemImportsUpToTheResidualAddAndMatchesONNXRuntimeLayerByLayer() throws {
    let imported = try runFeaturemaps(["import", "\(models)/stem.onnx", "--until", "end", "--out", path("stem.json")])
    XCTAssertEqual(imported.status, 0, imported.stderr)
    XCTAssertEqual(imported.stderr, "featuremaps: note: \(models)/stem.onnx: the stem stops after 4 layers, before Add node 'residual' of two computed tensors, which a bank cannot express\n")
    let layers = try XCTUnwrap(try json("stem.json")["layers"] as? [[String: Any]])
    XCTAssertEqual(layers.map { $0["type"] as? String }, ["conv", "conv", "maxpool", "conv"])
    XCTAssertEqual(layers.map { $0["activation"] as? String }, ["silu", "hard_swish", nil, "prelu"])
    XCTAssertEqual(layers[1]["groups"] as? Int, 8)

    let run = try runFeaturemaps([Project.path("Tests/CommandTests/Pictures/small.png"), "--bank", path("stem.json"), "--out", path("m"),
                                  "--format", "npy", "--all-layers", "-q"])
    XCTAssertEqual(run.status, 0, run.stderr)
    var first = 0
    for layer in 1...4 {
      let reference = try readNPYStack("\(models)/stem-layer\(layer).npy")
      let scale = max(reference.values.map(abs).max() ?? 0, 1e-30)
      let plane = reference.height * reference.width
      let name = layer == 4 ? "conv3" : layer == 3 ? "conv2" : "conv\(layer)"
      for f in 0..<reference.count {
        let file = path("m/small/layer\(layer)/\(String(format: "%02d", first + f))-\(name)-\(f).npy")
        let mine = try readNPY(file)
        XCTAssertEqual([mine.height, mine.width], [reference.height, reference.width], "layer \(layer)")
        let worst = zip(mine.values, reference.values[(f * plane)..<((f + 1) * plane)]).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst / scale, 1e-5, "layer \(layer), map \(f): largest difference from ONNX Runtime \(worst)")
      }
      first += reference.count
    }
  }

  func testUntilANamedNodeAndRequestsThatCannotBeMet() throws {
    let upToPool = try runFeaturemaps(["import", "\(models)/stem.onnx", "--until", "pool", "--out", path("p.json")])
    XCTAssertEqual(upToPool.status, 0, upToPool.stderr)
    XCTAssertEqual(upToPool.stderr, "")  // stopped where asked: nothing to say
    XCTAssertEqual((try json("p.json")["layers"] as? [[String: Any]])?.count, 3)
    let cases: [([String], String)] = [
      (["--until", "residual"],
       "featuremaps: \(models)/stem.onnx: the stem from the graph's input stops before Add node 'residual' of two computed tensors, before reaching node 'residual'\n"),
      (["--until", "conv9"],
       "featuremaps: \(models)/stem.onnx: the stem from the graph's input stops before Add node 'residual' of two computed tensors, before reaching node 'conv9'\n"),
      (["--until", "end", "--stride", "2"], "Error: --until takes every layer from the graph's nodes: --stride cannot be given with it\n"),
    ]
    for (arguments, message) in cases {
      let result = try runFeaturemaps(["import", "\(models)/stem.onnx"] + arguments + ["--out", path("x.json")])
      XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
      XCTAssertTrue(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
      XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.json")))
    }
  }
}

/// A NumPy .npy of little-endian Float32 with shape (count, height, width).
func readNPYStack(_ path: String) throws -> (count: Int, height: Int, width: Int, values: [Float]) {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
  let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
  let shape = header.split(separator: "(")[1].split(separator: ")")[0].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
  let data = Array(bytes[(10 + headerLength)...])
  let values = (0..<(data.count / 4)).map { i in
    Float(bitPattern: UInt32(data[4 * i]) | UInt32(data[4 * i + 1]) << 8 | UInt32(data[4 * i + 2]) << 16 | UInt32(data[4 * i + 3]) << 24)
  }
  return (shape[0], shape[1], shape[2], values)
}
