import Foundation

/// Finds every Conv node of an ONNX graph and follows its output to its activation: through Cast,
/// Identity and Transpose (tracking where the channel axis goes), it collects the Add, Sub, Mul, Div (by a
/// constant that varies along the channel axis only) and BatchNormalization nodes, which fold into the
/// conv's weights and bias, and stops at the first other node, recorded when it is an elementwise
/// activation (Relu, LeakyRelu, Sigmoid, Tanh, Clip, HardSwish, HardSigmoid, Elu, Gelu, Mish, PRelu, and
/// x * Sigmoid(x) or x * HardSigmoid(x) as exporters write SiLU and HardSwish) for the importer to map;
/// any other node it stops at, or a branch, is recorded as where the chain ends (`endsBefore`).
struct ConvChains {
  let reader: ONNXReader
  let nodes: [ONNXReader.Node]

  func convs() throws(WeightsError) -> [ONNXConv] {
    var consumers: [String: [Int]] = [:]
    for (i, node) in nodes.enumerated() {
      for input in node.inputs where !input.isEmpty { consumers[input, default: []].append(i) }
    }
    var result: [ONNXConv] = []
    for node in nodes where node.op == "Conv" {
      guard node.inputs.count >= 2 else { continue }
      let filters = reader.tensors.first { $0.name == node.inputs[1] }?.shape.first ?? 0
      var conv = ONNXConv(
        index: result.count + 1, name: node.name, weight: node.inputs[1],
        bias: node.inputs.count > 2 && !node.inputs[2].isEmpty ? node.inputs[2] : nil,
        strides: try ints(node, "strides"), pads: try ints(node, "pads"), dilations: try ints(node, "dilations"),
        kernelShape: try ints(node, "kernel_shape"),
        group: try ints(node, "group")?.first ?? 1, autoPad: try string(node, "auto_pad") ?? "NOTSET",
        folded: [], activation: nil)
      conv.input = node.inputs[0]
      var current = node.outputs.first ?? ""
      var channelAxis = 1
      walk: while let next = consumers[current] {
        if next.count == 2, let gated = gatedActivation(current, next, consumers: consumers) {
          conv.activation = gated.activation
          current = gated.output
          break walk
        }
        guard next.count == 1 else {
          conv.endsBefore = "a branch: its output goes to \(next.count) nodes (" + next.map { ONNXReader.describe(nodes[$0]) }.joined(separator: ", ") + ")"
          break walk
        }
        let follower = nodes[next[0]]
        let constant = follower.inputs.first { $0 != current && reader.has($0) }
        switch follower.op {
        case "Cast", "Identity":
          break
        case "Transpose":
          guard let perm = try ints(follower, "perm"), let axis = perm.firstIndex(of: channelAxis) else { break walk }
          channelAxis = axis
        case "Add", "Sub", "Mul", "Div":
          guard follower.inputs.count == 2, let constant, perChannel(constant, axis: channelAxis, filters: filters) else {
            conv.endsBefore = ONNXReader.describe(follower) + (constant == nil ? " of two computed tensors" : " by a constant that is not one per channel")
            break walk
          }
          let first = follower.inputs[0] == current
          switch follower.op {
          case "Add": conv.folded.append(.add(constant))
          case "Mul": conv.folded.append(.multiply(constant))
          case "Sub": conv.folded.append(first ? .subtract(constant) : .subtractFrom(constant))
          default:
            guard first else { break walk }
            conv.folded.append(.divide(constant))
          }
        case "BatchNormalization":
          guard channelAxis == 1, follower.inputs.count >= 5, follower.inputs[0] == current,
            follower.inputs[1...4].allSatisfy({ reader.has($0) })
          else { break walk }
          conv.folded.append(.batchNorm(scale: follower.inputs[1], bias: follower.inputs[2], mean: follower.inputs[3],
                                        variance: follower.inputs[4], epsilon: try float(follower, "epsilon") ?? 1e-5))
        case "Relu", "Sigmoid", "Tanh", "HardSwish", "Mish":
          conv.activation = ONNXActivation(op: follower.op)
          conv.activation?.inputCount = follower.inputs.filter { !$0.isEmpty }.count
          current = follower.outputs.first ?? ""
          break walk
        case "Elu":
          conv.activation = ONNXActivation(op: follower.op, alpha: try float(follower, "alpha") ?? 1)
          conv.activation?.inputCount = follower.inputs.filter { !$0.isEmpty }.count
          current = follower.outputs.first ?? ""
          break walk
        case "HardSigmoid":
          conv.activation = ONNXActivation(op: follower.op, alpha: try float(follower, "alpha") ?? 0.2, beta: try float(follower, "beta") ?? 0.5)
          conv.activation?.inputCount = follower.inputs.filter { !$0.isEmpty }.count
          current = follower.outputs.first ?? ""
          break walk
        case "Gelu":
          conv.activation = ONNXActivation(op: follower.op, approximate: try string(follower, "approximate") ?? "none")
          conv.activation?.inputCount = follower.inputs.filter { !$0.isEmpty }.count
          current = follower.outputs.first ?? ""
          break walk
        case "PRelu":
          guard follower.inputs.count == 2, follower.inputs[0] == current, reader.has(follower.inputs[1]) else {
            conv.endsBefore = ONNXReader.describe(follower) + " (its slope is not a constant of the file)"
            break walk
          }
          conv.activation = ONNXActivation(op: follower.op, slopes: follower.inputs[1])
          current = follower.outputs.first ?? ""
          break walk
        case "LeakyRelu":
          conv.activation = ONNXActivation(op: follower.op, alpha: try float(follower, "alpha"))
          conv.activation?.inputCount = follower.inputs.filter { !$0.isEmpty }.count
          current = follower.outputs.first ?? ""
          break walk
        case "Clip":
          conv.activation = ONNXActivation(op: follower.op, minimum: try bound(follower, input: 1, attribute: "min"),
                                           maximum: try bound(follower, input: 2, attribute: "max"))
          break walk
        default:
          conv.endsBefore = ONNXReader.describe(follower)
          break walk
        }
        current = follower.outputs.first ?? ""
      }
      // After a Transpose that moved the channels, what follows reads another layout: no stem goes on.
      conv.output = channelAxis == 1 ? current : ""
      result.append(conv)
    }
    return result
  }

  /// The sequential stem from the graph's input: the first Conv chain that reads a tensor no node makes,
  /// then, as long as a chain's output goes to exactly one node, the next Conv's chain or a MaxPool /
  /// AveragePool, up to and with `until` (a Conv's name or number, a pooling node's name).
  func stem(of convs: [ONNXConv], until: String?) throws(WeightsError) -> ONNXStem {
    var consumers: [String: [Int]] = [:]
    for (i, node) in nodes.enumerated() {
      for input in node.inputs where !input.isEmpty { consumers[input, default: []].append(i) }
    }
    let made = Set(nodes.flatMap(\.outputs))
    guard var conv = convs.first(where: { !made.contains($0.input) && !reader.has($0.input) }) else {
      return ONNXStem(steps: [], endsBefore: "no Conv node reads the graph's input", reachedUntil: false)
    }
    var stem = ONNXStem(steps: [], endsBefore: nil, reachedUntil: until == nil)
    var seen: Set<String> = []
    while true {
      stem.steps.append(.conv(conv))
      if let until, conv.name == until || String(conv.index) == until {
        stem.reachedUntil = true
        return stem
      }
      var current = conv.output
      var nextConv: ONNXConv?
      while nextConv == nil {
        guard !current.isEmpty else {
          stem.endsBefore = conv.endsBefore ?? "a layout whose channels a Transpose moved"
          return stem
        }
        // The reader refuses graphs with cycles (`checkOrder`); this is a second guard against looping.
        guard seen.insert(current).inserted else {
          stem.endsBefore = "a cycle in the graph"
          return stem
        }
        guard let next = consumers[current] else { return stem }  // the graph's output
        // A fork where one path goes on as a layer (a residual block's shortcut joins it later, where the
        // stem then stops): that path; any other fork ends the stem.
        let onward = next.filter { ["Conv", "MaxPool", "AveragePool"].contains(nodes[$0].op) }
        guard next.count == 1 || onward.count == 1 else {
          stem.endsBefore = "a branch: its output goes to \(next.count) nodes (" + next.map { ONNXReader.describe(nodes[$0]) }.joined(separator: ", ") + ")"
          return stem
        }
        let node = nodes[next.count == 1 ? next[0] : onward[0]]
        switch node.op {
        case "Conv":
          guard let found = convs.first(where: { $0.input == current && $0.name == node.name }) else {
            stem.endsBefore = ONNXReader.describe(node)
            return stem
          }
          nextConv = found
        case "MaxPool", "AveragePool":
          let kernel = try ints(node, "kernel_shape") ?? []
          let strides = try ints(node, "strides") ?? [1, 1]
          let pads = try ints(node, "pads") ?? [0, 0, 0, 0]
          let autoPad = try string(node, "auto_pad") ?? "NOTSET"
          let ceil = try ints(node, "ceil_mode")?.first ?? 0
          let dilations = try ints(node, "dilations") ?? [1, 1]
          let countsPadding = try ints(node, "count_include_pad")?.first ?? 0
          guard kernel.count == 2, strides.count == 2, pads.count == 4, ["NOTSET", "VALID"].contains(autoPad), ceil == 0,
                dilations == [1, 1], node.op == "MaxPool" || countsPadding == 1 || pads == [0, 0, 0, 0]
          else {
            stem.endsBefore = ONNXReader.describe(node) + " (a bank pools 2-D windows without ceil_mode, dilations or auto_pad SAME, and averages count padded zeros)"
            return stem
          }
          stem.steps.append(.pool(name: node.name, average: node.op == "AveragePool", kernel: kernel, strides: strides, pads: pads))
          if let until, node.name == until {
            stem.reachedUntil = true
            return stem
          }
          current = node.outputs.first ?? ""
        default:
          // A join (a residual Add, a Concat) reads tensors the stem does not make alone.
          let joined = node.inputs.filter { !$0.isEmpty && !reader.has($0) }.count > 1
          stem.endsBefore = ONNXReader.describe(node) + (joined ? " of two computed tensors" : "")
          return stem
        }
      }
      conv = nextConv!
    }
  }

  /// `x * Sigmoid(x)` (SiLU) or `x * HardSigmoid(x)` (HardSwish, when its alpha and beta are 1/6 and 1/2),
  /// as exporters write them: `x`'s two consumers are the gate and the Mul of `x` by the gate's output.
  private func gatedActivation(_ x: String, _ consumers: [Int], consumers all: [String: [Int]]) -> (activation: ONNXActivation, output: String)? {
    let pair = consumers.map { nodes[$0] }
    guard let gate = pair.first(where: { ["Sigmoid", "HardSigmoid"].contains($0.op) && $0.inputs.first == x }),
          let mul = pair.first(where: { $0.op == "Mul" }), let gated = gate.outputs.first,
          Set(mul.inputs) == [x, gated], mul.inputs.count == 2, all[gated]?.count == 1, let output = mul.outputs.first
    else { return nil }
    if gate.op == "Sigmoid" { return (ONNXActivation(op: "SiLU"), output) }
    let alpha = (try? float(gate, "alpha")) ?? 0.2, beta = (try? float(gate, "beta")) ?? 0.5
    guard abs(Double(alpha ?? 0.2) - 1.0 / 6) < 1e-6, abs(Double(beta ?? 0.5) - 0.5) < 1e-7 else { return nil }
    return (ONNXActivation(op: "HardSwish"), output)
  }

  /// Whether tensor `name`, broadcast against a rank-4 output, varies along `axis` only, with 1 or
  /// `filters` values.
  private func perChannel(_ name: String, axis: Int, filters: Int) -> Bool {
    guard let shape = reader.tensors.first(where: { $0.name == name })?.shape, shape.count <= 4 else { return false }
    let aligned = [Int](repeating: 1, count: 4 - shape.count) + shape
    return aligned.enumerated().allSatisfy { $0.element == 1 || ($0.offset == axis && $0.element == filters) }
  }

  /// A Clip bound: an input (opset 11 and later) or an attribute (before).
  private func bound(_ node: ONNXReader.Node, input: Int, attribute: String) throws(WeightsError) -> Float? {
    if node.inputs.count > input, !node.inputs[input].isEmpty {
      let tensor = try reader.read(node.inputs[input])
      return tensor.values.count == 1 ? tensor.values[0] : nil
    }
    return try float(node, attribute)
  }

  // MARK: - Attributes

  private func attribute(_ node: ONNXReader.Node, _ name: String) -> (ProtobufFields, ProtobufFields.Field)? {
    guard let field = node.attributes[name] else { return nil }
    return (ProtobufFields(bytes: reader.bytes, range: field.payload), field)
  }

  private func ints(_ node: ONNXReader.Node, _ name: String) throws(WeightsError) -> [Int]? {
    guard let (message, _) = attribute(node, name) else { return nil }
    var values: [Int] = []
    do throws(ProtobufFields.Failure) {
      try message.forEach { (field) throws(ProtobufFields.Failure) in
        if field.number == 3 || field.number == 8 { values += try message.integers(field).map { Int(clamping: $0) } }
      }
    } catch {
      throw WeightsError(file: reader.file, reason: "node '\(node.name)': attribute \(name): \(error.reason)")
    }
    return values
  }

  private func float(_ node: ONNXReader.Node, _ name: String) throws(WeightsError) -> Float? {
    guard let (message, _) = attribute(node, name) else { return nil }
    var value: Float?
    do throws(ProtobufFields.Failure) {
      try message.forEach { (field) throws(ProtobufFields.Failure) in
        if field.number == 2, field.wireType == 5 { value = Float(bitPattern: UInt32(truncatingIfNeeded: field.scalar)) }
      }
    } catch {
      throw WeightsError(file: reader.file, reason: "node '\(node.name)': attribute \(name): \(error.reason)")
    }
    return value
  }

  private func string(_ node: ONNXReader.Node, _ name: String) throws(WeightsError) -> String? {
    guard let (message, _) = attribute(node, name) else { return nil }
    var value: String?
    do throws(ProtobufFields.Failure) {
      try message.forEach { (field) throws(ProtobufFields.Failure) in if field.number == 4, field.wireType == 2 { value = message.string(field) } }
    } catch {
      throw WeightsError(file: reader.file, reason: "node '\(node.name)': attribute \(name): \(error.reason)")
    }
    return value
  }
}
