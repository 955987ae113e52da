import ConvEngine
import FilterBanks
import WeightsFiles

extension ONNXConv {
  /// The node's stride, dilation and padding as a bank layer's (`auto_pad` SAME_UPPER is "same").
  public func geometry() throws(WeightsRequestFailure) -> (stride: Pair, dilation: Pair, padding: PaddingRule) {
    func pair(_ values: [Int]?, _ what: String) throws(WeightsRequestFailure) -> Pair {
      guard let values else { return Pair(1) }
      guard values.count == 2, values.allSatisfy({ $0 >= 1 }) else {
        throw WeightsRequestFailure(field: "node", reason: "\(described) has \(what) \(values): featuremaps imports 2-D convolutions")
      }
      return Pair(values[0], values[1])
    }
    let padding: PaddingRule
    switch autoPad {
    case "SAME_UPPER": padding = .same
    case "VALID": padding = .fixed(.none)
    case "SAME_LOWER":
      // At stride 1 the padding does not depend on the input's size: the odd pixel goes above and left.
      let (s, d) = (try pair(strides, "strides"), try pair(dilations, "dilations"))
      guard s == Pair(1), let kernelShape, kernelShape.count == 2 else {
        throw WeightsRequestFailure(
          field: "node", reason: "\(described) pads SAME_LOWER with strides \(strides ?? [1, 1]), which depends on the picture's size and a bank cannot say; give --padding")
      }
      let (totalY, totalX) = (d.y * (kernelShape[0] - 1), d.x * (kernelShape[1] - 1))
      padding = .fixed(Padding(top: totalY - totalY / 2, left: totalX - totalX / 2, bottom: totalY / 2, right: totalX / 2))
    default:
      guard let pads else {
        padding = .fixed(.none)
        break
      }
      guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
        throw WeightsRequestFailure(field: "node", reason: "\(described) has pads \(pads): featuremaps imports 2-D convolutions")
      }
      padding = .fixed(Padding(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3]))
    }
    return (try pair(strides, "strides"), try pair(dilations, "dilations"), padding)
  }

  /// What the Conv was in the graph, when a BatchNormalization node folds into it (for `summary`'s counts).
  public var trainedForm: TrainedForm? {
    let batchNorm = folded.contains { if case .batchNorm = $0 { return true } else { return false } }
    return batchNorm ? TrainedForm(convBias: bias != nil, batchNorm: true) : nil
  }

  /// The Conv node `name` of the graph (its name, or its number counting Conv nodes from 1).
  public static func named(_ name: String, in reader: ONNXReader) throws(WeightsRequestFailure) -> ONNXConv {
    if let conv = reader.convs.first(where: { $0.name == name || String($0.index) == name }) { return conv }
    guard !reader.convs.isEmpty else {
      throw WeightsRequestFailure(field: "node", reason: "\(reader.file): has no Conv node at all: nothing a bank could import")
    }
    throw WeightsRequestFailure(
      field: "node", reason: "\(reader.file): has no Conv node '\(name)'; its Conv nodes are "
        + reader.convs.map { $0.name.isEmpty ? "\($0.index) (unnamed)" : "\($0.index) \($0.name)" }.joined(separator: ", "))
  }

  /// The node's chain as a layer over `channels` channels: its weight and bias with what folds into it, and
  /// (in `graph`) its geometry and activation; `groups` nil: the node's own.
  public func filters(reader: ONNXReader, channels: Int, groups: Int?) throws(WeightsRequestFailure) -> ImportedFilters {
    let spec = WeightsRequest(file: reader.file, path: reader.file, weight: weight, bias: bias, layout: .oihw)
    let groups = groups ?? group
    var result = try spec.read(from: reader, channels: channels, groups: groups)
    try check(result)
    result.tensors += try fold(into: &result.weights, bias: &result.bias, filters: result.filterCount, reader: reader)
    let (stride, dilation, padding) = try geometry()
    result.graph = ImportedFilters.GraphLayer(stride: stride, dilation: dilation, padding: padding, groups: groups,
                                              activation: try bankActivation(reader: reader, filters: result.filterCount).get())
    if let slopes = activation?.slopes { result.tensors.append(slopes) }
    result.trained = trainedForm ?? TrainedForm(convBias: bias != nil, batchNorm: false)
    return result
  }

  /// The node as messages name it: `node 'conv1'`, or `node 3 (unnamed)`.
  public var described: String { name.isEmpty ? "node \(index) (unnamed)" : "node '\(name)'" }

  /// The bank's activation for the node the chain stops at (none when it stops at no activation), with
  /// PRelu's slopes read from `reader` and counted against `filters`; or why the node cannot be one.
  public func bankActivation(reader: any WeightsReader, filters: Int) -> Result<Activation, WeightsRequestFailure> {
    guard let node = activation else { return .success(.none) }
    func fail(_ reason: String) -> Result<Activation, WeightsRequestFailure> {
      .failure(WeightsRequestFailure(field: "node", reason: "\(described) is followed by \(node.op), \(reason)"))
    }
    if !["PRelu", "Clip"].contains(node.op), node.inputCount != 1 {
      return fail("with \(node.inputCount) inputs: \(node.op) takes one, so the graph is not valid ONNX")
    }
    switch node.op {
    case "Relu": return .success(.relu)
    case "Sigmoid": return .success(.sigmoid)
    case "Tanh": return .success(.tanh)
    case "SiLU": return .success(.silu)
    case "HardSwish": return .success(.hardSwish)
    case "Mish": return .success(.mish)
    case "LeakyRelu": return .success(.leakyReLU(negativeSlope: node.alpha ?? Activation.defaultNegativeSlope))
    case "Elu": return .success(.elu(alpha: node.alpha ?? 1))
    case "HardSigmoid": return .success(.hardSigmoid(alpha: node.alpha ?? 0.2, beta: node.beta ?? 0.5))
    case "Gelu":
      switch node.approximate ?? "none" {
      case "none": return .success(.gelu)
      case "tanh": return .success(.geluTanh)
      default: return fail("whose approximate \"\(node.approximate ?? "")\" is neither none nor tanh")
      }
    case "Clip":
      let (low, high) = (node.minimum ?? -.greatestFiniteMagnitude, node.maximum ?? .greatestFiniteMagnitude)
      guard low <= high else { return fail("whose min \(low) is greater than its max \(high)") }
      if low == 0 && high == 6 { return .success(.relu6) }
      if low == 0 && node.maximum == nil { return .success(.relu) }
      return .success(.clip(minimum: low, maximum: high))
    case "PRelu":
      guard let tensorName = node.slopes else { return fail("without a slope") }
      let tensor: WeightsTensor
      do {
        tensor = try reader.require(tensorName)
      } catch {
        return .failure(WeightsRequestFailure(field: "node", reason: error.description))
      }
      guard tensor.values.count == 1 || tensor.values.count == filters else {
        return fail("whose slope '\(tensorName)' has \(tensor.values.count) values for \(filters) filters: PReLU has 1 or one per filter")
      }
      guard tensor.values.allSatisfy(\.isFinite) else { return fail("whose slope '\(tensorName)' is not finite") }
      return .success(.prelu(slopes: tensor.values))
    default: return fail("which a bank cannot express")
    }
  }

  /// Refuses filters whose kernel disagrees with the node's `kernel_shape`.
  public func check(_ filters: ImportedFilters) throws(WeightsRequestFailure) {
    guard let kernelShape, kernelShape != [filters.kernel.y, filters.kernel.x] else { return }
    throw WeightsRequestFailure(
      field: "node",
      reason: "\(described) states kernel_shape \(kernelShape), but its weight '\(weight)' holds \(filters.kernel.y)x\(filters.kernel.x) kernels")
  }

  /// Folds the per-channel operations that follow the node into `weights` (F, ...) and `bias` (F), in
  /// Double, in the order the graph applies them; returns the tensors read.
  public func fold(into weights: inout [Float], bias: inout [Float]?, filters: Int, reader: any WeightsReader) throws(WeightsRequestFailure) -> [String] {
    guard !folded.isEmpty else { return [] }
    var w = weights.map(Double.init)
    var b = (bias ?? [Float](repeating: 0, count: filters)).map(Double.init)
    let perFilter = w.count / filters
    var used: [String] = []
    func constant(_ name: String) throws(WeightsRequestFailure) -> [Double] {
      let tensor: WeightsTensor
      do {
        tensor = try reader.require(name)
      } catch {
        throw WeightsRequestFailure(field: "node", reason: error.description)
      }
      // The graph only says the tensor exists: its length is checked here, before it is indexed per filter.
      guard tensor.values.count == 1 || tensor.values.count == filters else {
        throw WeightsRequestFailure(
          field: "node",
          reason: "'\(name)' has shape \(shapeText(tensor.shape)), but the Conv \(self.described) it folds into has \(filters) filters: a per-channel constant holds 1 or \(filters) values")
      }
      used.append(name)
      return tensor.values.count == 1 ? [Double](repeating: Double(tensor.values[0]), count: filters) : tensor.values.map(Double.init)
    }
    func scale(_ s: [Double]) {
      for i in w.indices { w[i] *= s[i / perFilter] }
      for f in 0..<filters { b[f] *= s[f] }
    }
    for step in folded {
      switch step {
      case .add(let name):
        let c = try constant(name)
        for f in 0..<filters { b[f] += c[f] }
      case .subtract(let name):
        let c = try constant(name)
        for f in 0..<filters { b[f] -= c[f] }
      case .subtractFrom(let name):
        let c = try constant(name)
        scale([Double](repeating: -1, count: filters))
        for f in 0..<filters { b[f] += c[f] }
      case .multiply(let name): scale(try constant(name))
      case .divide(let name): scale(try constant(name).map { 1 / $0 })
      case .batchNorm(let gammaName, let betaName, let meanName, let varianceName, let epsilon):
        let norm = BatchNorm(gamma: try constant(gammaName), beta: try constant(betaName), mean: try constant(meanName),
                             variance: try constant(varianceName), epsilon: Double(epsilon), varianceName: varianceName)
        try norm.fold(into: &w, bias: &b, field: "node")
      }
    }
    weights = w.map { Float($0) }
    bias = b.map { Float($0) }
    return used
  }
}
