import FilterBanks
import FuzzSupport
import Importing
import WeightsFiles

/// Structure-aware: an ONNX model built from the fuzzer's choices, a chain of Conv, BatchNormalization,
/// Mul/Add/Sub/Div by constants, activations, pooling, Identity and Transpose nodes whose initializers and
/// attributes are consistent or off by a little (a batch norm of the wrong length, pads of three values, a
/// kernel_shape that disagrees, a Clip with min > max, a node read by two others), written to a file and
/// imported as `featuremaps import --node N` imports each Conv: its weights, its geometry and the nodes
/// folded into it. Every inconsistency must be a one-line refusal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  var choices = Choices(FuzzInput.bytes(data, count))
  let model = ONNXGraph.make(&choices)
  let path = FuzzInput.file(model, model.count, name: "graph.onnx")
  WeightsFuzzing.exercise(path)
  return 0
}

enum ONNXGraph {
  /// ModelProto bytes.
  static func make(_ c: inout Choices) -> [UInt8] {
    var graph = ProtobufWriter()
    var initializers: [ProtobufWriter] = []
    var channels = c.pick([1, 3])
    var current = "x"
    var outputs = ["x"]
    for n in 0..<c.int(1...8) {
      var node = ProtobufWriter()
      let output = "t\(n)"
      // Usually the chain goes on from the last output; sometimes a node reads an earlier one (a branch).
      let source = c.int(0...7) == 0 ? c.pick(outputs) : current
      func tensor(_ name: String, _ dims: [Int], _ values: Int? = nil) {
        var t = ProtobufWriter()
        for d in dims { t.int(1, d) }
        t.int(2, 1)
        let count = values ?? dims.reduce(1, *)
        t.floats(4, (0..<max(0, min(count, 4096))).map { _ in c.float() })
        t.string(8, name)
        initializers.append(t)
      }
      func off(_ n: Int) -> Int { c.int(0...5) == 0 ? max(0, n + c.int(0...4) - 2) : n }
      func ints(_ name: String, _ values: [Int]) {
        var a = ProtobufWriter()
        a.string(1, name)
        for v in values { a.int(8, v) }
        a.int(20, 7)
        node.message(5, a)
      }
      let op = c.pick(["Conv", "Conv", "Conv", "BatchNormalization", "Mul", "Add", "Sub", "Div", "Relu", "LeakyRelu", "Clip",
                       "Sigmoid", "Tanh", "MaxPool", "Identity", "Transpose"])
      var inputs = [source]
      switch op {
      case "Conv":
        let group = c.pick([1, 1, channels])
        let filters = off(group * c.int(1...4))
        let (kh, kw) = (c.int(1...5), c.int(1...5))
        tensor("w\(n)", [filters, off(channels / max(1, group)), kh, kw])
        inputs.append("w\(n)")
        if c.bool() {
          tensor("b\(n)", [off(filters)])
          inputs.append("b\(n)")
        }
        if c.bool() { ints("strides", (0..<off(2)).map { _ in c.int(0...3) }) }
        if c.bool() { ints("pads", (0..<off(4)).map { _ in c.int(0...3) }) }
        if c.bool() { ints("dilations", (0..<off(2)).map { _ in c.int(0...3) }) }
        if c.bool() { ints("kernel_shape", [off(kh), off(kw)]) }
        if group > 1 { ints("group", [group]) }
        if c.int(0...4) == 0 {
          var a = ProtobufWriter()
          a.string(1, "auto_pad")
          a.string(4, c.pick(["SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "X"]))
          a.int(20, 3)
          node.message(5, a)
        }
        channels = max(1, filters)
      case "BatchNormalization":
        for name in ["s", "b", "m", "v"] {
          tensor("\(name)\(n)", [off(channels)])
          inputs.append("\(name)\(n)")
        }
      case "Mul", "Add", "Sub", "Div":
        let shape = c.pick([[channels, 1, 1], [1, channels, 1, 1], [1], [off(channels)], [channels, 2, 1]])
        tensor("k\(n)", shape)
        inputs = c.bool() ? [source, "k\(n)"] : ["k\(n)", source]
      case "Clip":
        if c.bool() {
          tensor("lo\(n)", [], 1)
          tensor("hi\(n)", [], 1)
          inputs += ["lo\(n)", "hi\(n)"]
        }
      case "Transpose":
        ints("perm", c.pick([[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 2, 3], [3, 2]]))
      case "MaxPool":
        ints("kernel_shape", [c.int(1...3), c.int(1...3)])
      default:
        break
      }
      for input in inputs { node.string(1, input) }
      node.string(2, output)
      node.string(3, c.bool() ? "n\(n)" : "")
      node.string(4, op)
      graph.message(1, node)
      outputs.append(output)
      current = output
    }
    graph.string(2, "g")
    for t in initializers { graph.message(5, t) }
    var input = ProtobufWriter()
    input.string(1, "x")
    graph.message(11, input)
    var output = ProtobufWriter()
    output.string(1, current)
    graph.message(12, output)
    var opset = ProtobufWriter()
    opset.int(2, 17)
    var model = ProtobufWriter()
    model.int(1, 8)
    model.message(8, opset)
    model.message(7, graph)
    return model.bytes
  }
}
