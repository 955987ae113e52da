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
    for layer in 1...4 {
      let reference = try readNPYStack("\(models)/stem-layer\(layer).npy")
      let scale = max(reference.values.map(abs).max() ?? 0, 1e-30)
      let plane = reference.height * reference.width
      let name = layer == 4 ? "conv3" : layer == 3 ? "conv2" : "conv\(layer)"
      for f in 0..<reference.count {
        let file = path("m/small/layer\(layer)/\(String(format: "%02d", f))-\(name)-\(f).npy")
        let mine = try readNPY(file)
        XCTAssertEqual([mine.height, mine.width], [reference.height, reference.width], "layer \(layer)")
        let worst = zip(mine.values, reference.values[(f * plane)..<((f + 1) * plane)]).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst / scale, 1e-5, "layer \(layer), map \(f): largest difference from ONNX Runtime \(worst)")
      }
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

extension StemImportTests {
  /// The layers of a bank file, without its source (which names the file read).
  func layers(_ file: String) throws -> NSArray { try XCTUnwrap(try json(file)["layers"] as? NSArray) }

  /// The same stem as a PyTorch state dict (stem.pth, by make_stem_state_dict.py: nn.Sequential's names),
  /// imported with --layers, and as a bank whose layers take "from" each ONNX node: the same bank as
  /// `--until end` (layer for layer: weights, biases, geometry, activations, "as_trained").
  func testTheStemFromAStateDictWithLayersAndFromONNXNodesGivesTheSameBank() throws {
    XCTAssertEqual(try runFeaturemaps(["import", "\(models)/stem.onnx", "--until", "end", "--out", path("onnx.json")]).status, 0)
    let list = "0+1 padding=1 silu; 3+4 padding=1 hard_swish; maxpool 2; 7+8 prelu=9.weight"
    let fromDict = try runFeaturemaps(["import", "\(models)/stem.pth", "--layers", list, "--out", path("pth.json")])
    XCTAssertEqual(fromDict.status, 0, fromDict.stderr)
    XCTAssertEqual(fromDict.stderr, "")
    XCTAssertEqual(try layers("pth.json"), try layers("onnx.json"))
    XCTAssertEqual((try json("pth.json")["source"] as? [String: Any])?["layers"] as? String, list)

    try FileManager.default.copyItem(atPath: "\(models)/stem.onnx", toPath: path("stem.onnx"))
    let template = """
      {"format": "featuremaps-bank/1", "name": "stem", "layers": [
        {"type": "conv", "from": {"file": "stem.onnx", "node": "conv1"}},
        {"type": "conv", "from": {"file": "stem.onnx", "node": "2"}},
        {"type": "maxpool", "size": 2},
        {"type": "conv", "from": {"file": "stem.onnx", "node": "conv3"}}]}
      """
    try template.write(toFile: path("template.json"), atomically: true, encoding: .utf8)
    let resolved = try runFeaturemaps(["import", path("template.json"), "--out", path("from.json")])
    XCTAssertEqual(resolved.status, 0, resolved.stderr)
    XCTAssertEqual(try layers("from.json"), try layers("onnx.json"))
    // --node for the first Conv: its chain as a one-layer bank, the stem's first layer.
    XCTAssertEqual(try runFeaturemaps(["import", "\(models)/stem.onnx", "--node", "conv1", "--out", path("node1.json")]).status, 0)
    XCTAssertEqual(try layers("node1.json")[0] as? NSDictionary, try layers("onnx.json")[0] as? NSDictionary)
    // A key the layer gives wins over the node's: the activation here.
    try template.replacingOccurrences(of: "\"node\": \"conv1\"}}", with: "\"node\": \"conv1\"}, \"activation\": \"relu\"}")
      .write(toFile: path("template2.json"), atomically: true, encoding: .utf8)
    XCTAssertEqual(try runFeaturemaps(["import", path("template2.json"), "--out", path("from2.json")]).status, 0)
    XCTAssertEqual((try layers("from2.json")[0] as? [String: Any])?["activation"] as? String, "relu")
    // The bank taking its layers from the ONNX file runs as the bank it resolves to.
    let run = try runFeaturemaps(["summary", path("template.json")])
    XCTAssertTrue(run.stdout.contains("4 conv     [8, 8, 1, 1]  1       0        1         1       prelu(8 slopes)"), run.stdout)
  }

  /// Requests the new paths cannot meet, and hostile files: one line each, status 2, nothing written.
  func testLayersAndNodeRefusals() throws {
    let pth = "\(models)/stem.pth"
    let regressions = Project.path("Tests/CommandTests/Regressions")
    let cases: [([String], String)] = [
      ([pth, "--layers", "0+1 padding=1 swish"],
       "Error: The value '0+1 padding=1 swish' is invalid for '--layers <list>': layer 1 ('0+1 padding=1 swish'): 'swish': give none, relu, relu6, leaky_relu, sigmoid, tanh, silu, hard_swish,"),
      ([pth, "--layers", "0+1 pading=1"],
       "Error: The value '0+1 pading=1' is invalid for '--layers <list>': layer 1 ('0+1 pading=1'): 'pading=1': unknown word; a conv layer takes stride=, padding=, dilation=, groups=, bias=, prelu= and an activation\n"),
      ([pth, "--layers", "conv9+1"], "featuremaps: \(pth): --layers: layer 1: has no tensor 'conv9' nor 'conv9.weight'; --list shows its tensors\n"),
      ([pth, "--layers", "0+1 padding=1 prelu=0.weight"],
       "featuremaps: \(pth): --layers: layer 1: 216 slopes for 8 filters: give one slope for all, or one per filter\n"),
      ([pth, "--layers", "0+1 groups=2"],
       "featuremaps: \(pth): --layers: layer 1: '0.weight' has shape [8, 3, 3, 3] (OIHW): its filters see 6 input channels (2 groups of 3), but an imported layer's input"),
      ([pth, "--layers", "0+1", "--stride", "2"], "Error: --layers gives every layer's tensors and geometry: --stride cannot be given with it\n"),
      (["\(models)/stem.onnx", "--layers", "conv1"],
       "featuremaps: \(models)/stem.onnx: an ONNX file has its graph: import its stem with --until NODE (or end), not --layers\n"),
      (["\(regressions)/cycle.onnx", "--until", "end"],
       "featuremaps: \(regressions)/cycle.onnx: tensor 'a' is written by two nodes (Conv node 'conv1' and Conv node 'conv2'): the graph is not a valid ONNX graph\n"),
      (["\(regressions)/relu-two-inputs.onnx", "--node", "conv"],
       "featuremaps: \(regressions)/relu-two-inputs.onnx: node 'conv' is followed by Relu, with 2 inputs: Relu takes one, so the graph is not valid ONNX\n"),
      (["\(regressions)/relu-two-inputs.onnx", "--until", "end"],
       "featuremaps: \(regressions)/relu-two-inputs.onnx: node 'conv' is followed by Relu, with 2 inputs: Relu takes one, so the graph is not valid ONNX\n"),
      (["\(regressions)/cycle-loop.onnx", "--node", "1"],
       "featuremaps: \(regressions)/cycle-loop.onnx: Add node 'add' reads tensor 'e' before Relu node 'relu' writes it: the graph has a cycle or is not in order, not a valid ONNX graph\n"),
    ]
    for (arguments, message) in cases {
      let result = try runFeaturemaps(["import"] + arguments + ["--out", path("x.json")])
      XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
      XCTAssertTrue(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
      if !result.stderr.hasPrefix("Error:") {  // the argument parser's refusals are followed by the usage
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
      }
      XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.json")))
    }
    // "from" with a node: in a file that is not ONNX, a node that is not there, with a key the node gives.
    try FileManager.default.copyItem(atPath: "\(models)/stem.onnx", toPath: path("stem.onnx"))
    try FileManager.default.copyItem(atPath: pth, toPath: path("stem.pth"))
    let bad: [(String, String)] = [
      ("{\"file\": \"stem.pth\", \"node\": \"conv1\"}", "layers[0].from.node: stem.pth is not an ONNX file: \"node\" names an ONNX Conv node"),
      ("{\"file\": \"stem.onnx\", \"node\": \"conv7\"}", "has no Conv node 'conv7'; its Conv nodes are 1 conv1, 2 conv2, 3 conv3"),
      ("{\"file\": \"stem.onnx\", \"node\": \"conv1\", \"weight\": \"w1\"}",
       "layers[0].from.weight: an ONNX \"node\" gives its weight, bias and what folds into it: \"weight\" cannot be given with it"),
    ]
    for (from, message) in bad {
      try "{\"format\": \"featuremaps-bank/1\", \"layers\": [{\"type\": \"conv\", \"from\": \(from)}]}"
        .write(toFile: path("t.json"), atomically: true, encoding: .utf8)
      let result = try runFeaturemaps(["import", path("t.json"), "--out", path("x.json")])
      XCTAssertEqual(result.status, 2, from)
      XCTAssertTrue(result.stderr.contains(message), "\(from): \(result.stderr)")
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

/// Every activation in `explain` and `summary`, on the banks imported from the activation models: the
/// term `explain --json` shows (its name, its formula in x) and its value from the pre-activation, against
/// the definitions PyTorch documents, written here in Double; `summary` names the activation with its
/// parameters.
final class ActivationExplainTests: TemporaryFolderTestCase {
  let models = Project.path("Tests/CommandTests/Activations")
  let picture = Project.path("Tests/CommandTests/Pictures/small.png")

  /// PyTorch's definitions (torch.nn docs), with the layer's parameters, for filter `f`.
  func defined(_ name: String, _ x: Double, layer: [String: Any], filter f: Int) -> Double {
    func p(_ key: String) -> Double { layer[key] as? Double ?? Double(layer[key] as? Int ?? 0) }
    let sigmoid = { (v: Double) in 1 / (1 + exp(-v)) }
    switch name {
    case "silu": return x * sigmoid(x)
    case "hard_swish": return x * min(max(x + 3, 0), 6) / 6
    case "hard_sigmoid": return min(max(p("alpha") * x + p("beta"), 0), 1)
    case "gelu": return x * (1 + erf(x / 2.0.squareRoot())) / 2
    case "gelu_tanh": return x * (1 + tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) / 2
    case "elu": return x > 0 ? x : p("alpha") * (exp(x) - 1)
    case "mish": return x * tanh(x > 20 ? x : log1p(exp(x)))
    case "clip": return min(max(x, p("min")), p("max"))
    case "prelu":
      let slopes = layer["slopes"] as? [Double] ?? [p("slopes")]
      return x >= 0 ? x : (slopes.count == 1 ? slopes[0] : slopes[f]) * x
    case "leaky_relu": return x >= 0 ? x : p("negative_slope") * x
    case "sigmoid": return sigmoid(x)
    case "tanh": return tanh(x)
    default: return .nan
    }
  }

  func testExplainAndSummaryShowEveryActivationAsDefined() throws {
    let names = ["silu", "hard_swish", "hard_sigmoid", "gelu", "gelu_tanh", "elu", "mish", "clip", "prelu", "leaky_relu", "sigmoid", "tanh"]
    for name in names {
      let bank = path("\(name).json")
      XCTAssertEqual(try runFeaturemaps(["import", "\(models)/\(name).onnx", "--node", "conv", "--out", bank]).status, 0, name)
      let layer = try XCTUnwrap((try json("\(name).json")["layers"] as? [[String: Any]])?.first)
      var checked = 0
      for (f, x, y) in [(0, 3, 4), (1, 10, 2), (2, 0, 0), (3, 7, 9)] {
        let result = try runFeaturemaps(["explain", picture, "--bank", bank, "--filter", "\(f)", "--at", "\(x),\(y)", "--json"])
        XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
        let e = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertTrue((e["activation"] as? String ?? "").hasPrefix(name), "\(name): \(e["activation"] ?? "")")  // with its parameters: prelu(4 slopes)
        XCTAssertTrue((e["activation_formula"] as? String ?? "").contains("x"), "\(name): \(e["activation_formula"] ?? "")")
        let pre = try XCTUnwrap(e["pre_activation"] as? Double)
        let expected = defined(name, pre, layer: layer, filter: f)
        let shown = try XCTUnwrap(e["defined_value"] as? Double)
        XCTAssertEqual(shown, expected, accuracy: 1e-6 * max(1, abs(expected)), "\(name) at \(x),\(y): \(pre) -> \(shown), PyTorch's definition \(expected)")
        XCTAssertEqual(try XCTUnwrap(e["value"] as? Double), expected, accuracy: 1e-5 * max(1, abs(expected)), "\(name): the engine's value")
        checked += 1
      }
      XCTAssertEqual(checked, 4)
      let summary = try runFeaturemaps(["summary", bank])
      XCTAssertEqual(summary.status, 0)
      let row = try XCTUnwrap(summary.stdout.split(separator: "\n").first { $0.hasPrefix("1 conv") }.map(String.init))
      let word = name == "prelu" ? "prelu(4 slopes)" : name
      XCTAssertTrue(row.contains(word), "\(name): \(row)")
    }
  }
}
