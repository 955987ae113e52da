import ConvEngine
import FilterBanks
import WeightsFiles

extension ONNXConv {
  /// The node's stride, dilation and padding as a bank layer's (`auto_pad` SAME_UPPER is "same").
  public func geometry() throws(WeightsRequestFailure) -> (stride: Pair, dilation: Pair, padding: PaddingRule) {
    func pair(_ values: [Int]?, _ what: String) throws(WeightsRequestFailure) -> Pair {
      guard let values else { return Pair(1) }
      guard values.count == 2, values.allSatisfy({ $0 >= 1 }) else {
        throw WeightsRequestFailure(field: "node", reason: "node '\(name)' has \(what) \(values): featuremaps imports 2-D convolutions")
      }
      return Pair(values[0], values[1])
    }
    let padding: PaddingRule
    switch autoPad {
    case "SAME_UPPER": padding = .same
    case "VALID": padding = .fixed(.none)
    case "SAME_LOWER":
      throw WeightsRequestFailure(field: "node", reason: "node '\(name)' pads SAME_LOWER, which a bank cannot say; give --padding")
    default:
      guard let pads else {
        padding = .fixed(.none)
        break
      }
      guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
        throw WeightsRequestFailure(field: "node", reason: "node '\(name)' has pads \(pads): featuremaps imports 2-D convolutions")
      }
      padding = .fixed(Padding(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3]))
    }
    return (try pair(strides, "strides"), try pair(dilations, "dilations"), padding)
  }

  /// The bank's activation for the node the chain stops at: none when it stops at no activation, nil when
  /// the node is one a bank cannot express (a Clip to other bounds than 0 and 6 or 0 and nothing).
  public func bankActivation() -> Activation? {
    guard let node = activation else { return Activation.none }
    switch node.op {
    case "Relu": return .relu
    case "Sigmoid": return .sigmoid
    case "Tanh": return .tanh
    case "LeakyRelu": return .leakyReLU(negativeSlope: node.alpha ?? Activation.defaultNegativeSlope)
    case "Clip":
      if node.minimum == 0 && node.maximum == 6 { return .relu6 }
      if node.minimum == 0 && node.maximum == nil { return .relu }
      return nil
    default: return nil
    }
  }

  /// Refuses filters whose kernel disagrees with the node's `kernel_shape`.
  public func check(_ filters: ImportedFilters) throws(WeightsRequestFailure) {
    guard let kernelShape, kernelShape != [filters.kernel.y, filters.kernel.x] else { return }
    throw WeightsRequestFailure(
      field: "node",
      reason: "node '\(name)' states kernel_shape \(kernelShape), but its weight '\(weight)' holds \(filters.kernel.y)x\(filters.kernel.x) kernels")
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
          reason: "'\(name)' has shape \(shapeText(tensor.shape)), but the Conv node '\(self.name)' it folds into has \(filters) filters: a per-channel constant holds 1 or \(filters) values")
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
