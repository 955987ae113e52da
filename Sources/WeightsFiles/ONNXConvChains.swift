import Foundation

/// Finds every Conv node of an ONNX graph and follows its output to its activation: through Cast,
/// Identity and Transpose (tracking where the channel axis goes), it collects the Add, Sub, Mul, Div (by a
/// constant that varies along the channel axis only) and BatchNormalization nodes, which fold into the
/// conv's weights and bias, and stops at the first other node, recorded when it is an elementwise
/// activation (Relu, LeakyRelu, Sigmoid, Tanh, Clip) for the importer to map.
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
      var current = node.outputs.first ?? ""
      var channelAxis = 1
      walk: while let next = consumers[current], next.count == 1 {
        let follower = nodes[next[0]]
        let constant = follower.inputs.first { $0 != current && reader.has($0) }
        switch follower.op {
        case "Cast", "Identity":
          break
        case "Transpose":
          guard let perm = try ints(follower, "perm"), let axis = perm.firstIndex(of: channelAxis) else { break walk }
          channelAxis = axis
        case "Add", "Sub", "Mul", "Div":
          guard follower.inputs.count == 2, let constant, perChannel(constant, axis: channelAxis, filters: filters) else { break walk }
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
        case "Relu", "Sigmoid", "Tanh":
          conv.activation = ONNXActivation(op: follower.op)
          break walk
        case "LeakyRelu":
          conv.activation = ONNXActivation(op: follower.op, alpha: try float(follower, "alpha"))
          break walk
        case "Clip":
          conv.activation = ONNXActivation(op: follower.op, minimum: try bound(follower, input: 1, attribute: "min"),
                                           maximum: try bound(follower, input: 2, attribute: "max"))
          break walk
        default:
          break walk
        }
        current = follower.outputs.first ?? ""
      }
      result.append(conv)
    }
    return result
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
