import Basics
import ConvEngine
import FilterBanks
import WeightsFiles

extension WeightsRequest {
  /// The layer's filters from `reader`, for an input of `channels` channels in `groups` groups.
  public func read(from reader: any WeightsReader, channels: Int, groups: Int) throws(WeightsRequestFailure) -> ImportedFilters {
    func read(_ name: String, _ field: String) throws(WeightsRequestFailure) -> WeightsTensor {
      do {
        return try reader.require(name)
      } catch {
        throw WeightsRequestFailure(field: field, reason: error.description)
      }
    }
    guard let weight = self.weight ?? (reader.tensors.count == 1 ? reader.tensors[0].name : nil) else {
      throw WeightsRequestFailure(
        field: "weight", reason: "missing; \(file) holds \(reader.tensors.count) tensors (featuremaps import \(file) --list shows them)")
    }
    let layout = self.layout ?? (reader.format == .hdf5 ? .hwio : .oihw)
    let tensor = try read(weight, "weight")
    guard tensor.shape.count == 4 else {
      throw WeightsRequestFailure(field: "weight", reason: "'\(weight)' has shape \(shapeText(tensor.shape)); a conv weight is 4-D (\(layout.rawValue))")
    }
    let s = tensor.shape
    // No layout given, and the default (OIHW) reads a square HWIO kernel as long thin ones: say so.
    if self.layout == nil, layout == .oihw, s[2] != s[3], s[0] == s[1], groups >= 1, s[2] == channels / max(groups, 1) {
      throw WeightsRequestFailure(
        field: "weight",
        reason: "'\(weight)' has shape \(shapeText(s)): read as OIHW (the default) that is \(s[0]) filters of \(s[2])x\(s[3]) kernels, as HWIO \(s[3]) filters of \(s[0])x\(s[1]) kernels over \(s[2]) channels; give --layout HWIO (or --layout OIHW)")
    }
    let (filters, perGroup, kh, kw) = layout == .oihw ? (s[0], s[1], s[2], s[3]) : (s[3], s[2], s[0], s[1])
    if groups >= 1, perGroup * groups > max(channels, 3) {  // more than any picture has
      throw WeightsRequestFailure(
        field: "weight",
        reason: "'\(weight)' has shape \(shapeText(s)) (\(layout.rawValue)): its filters see \(perGroup * groups) input channels\(groups > 1 ? " (\(groups) groups of \(perGroup))" : ""), but an imported layer's input is the picture's \(channels) channel\(channels == 1 ? "" : "s"): it is a layer deeper in the network, not a first layer")
    }
    guard groups >= 1, channels % groups == 0, perGroup == channels / groups else {
      let expected = layout == .oihw ? "[filters, \(channels / max(groups, 1)), rows, columns]" : "[rows, columns, \(channels / max(groups, 1)), filters]"
      throw WeightsRequestFailure(
        field: "weight",
        reason: "'\(weight)' has shape \(shapeText(s)) (\(layout.rawValue)): \(perGroup) input channels per filter, but the layer's input has \(channels) channels in \(groups) group\(groups == 1 ? "" : "s"), so it expects \(expected)")
    }
    guard filters >= 1, filters % groups == 0 else {
      throw WeightsRequestFailure(field: "weight", reason: "'\(weight)' has \(filters) filters, which \(groups) groups do not divide")
    }
    if filters > BankLimits.maximumFilters || kh > BankLimits.maximumKernelSide || kw > BankLimits.maximumKernelSide || kh < 1 || kw < 1 {
      throw WeightsRequestFailure(
        field: "weight",
        reason: "'\(weight)' of shape \(shapeText(s)) is over the bank limits (\(BankLimits.maximumFilters) filters, kernel sides 1 to \(BankLimits.maximumKernelSide))")
    }
    var weights = tensor.values
    if layout == .hwio {
      weights = [Float](repeating: 0, count: tensor.values.count)
      for y in 0..<kh {
        for x in 0..<kw {
          for c in 0..<perGroup {
            for f in 0..<filters { weights[((f * perGroup + c) * kh + y) * kw + x] = tensor.values[((y * kw + x) * perGroup + c) * filters + f] }
          }
        }
      }
    }
    var used = [weight]
    func perFilter(_ name: String, _ field: String) throws(WeightsRequestFailure) -> [Double] {
      let t = try read(name, field)
      guard t.values.count == filters, t.shape.filter({ $0 != 1 }).count <= 1 else {
        throw WeightsRequestFailure(
          field: field, reason: "'\(name)' has shape \(shapeText(t.shape)), but the weight \(shapeText(s)) has \(filters) filters: expected [\(filters)]")
      }
      used.append(name)
      return t.values.map(Double.init)
    }
    let convBias = self.bias != nil
    var bias: [Double]? = try self.bias.map { (name) throws(WeightsRequestFailure) in try perFilter(name, "bias") }
    var folded = weights.map(Double.init)
    if let prefix = batchNorm {
      let names = try Self.batchNormNames(prefix, in: reader)
      let norm = BatchNorm(
        gamma: try perFilter(names.gamma, "batchnorm"), beta: try perFilter(names.beta, "batchnorm"),
        mean: try perFilter(names.mean, "batchnorm"), variance: try perFilter(names.variance, "batchnorm"),
        epsilon: epsilon ?? (reader.format == .hdf5 ? 1e-3 : 1e-5), varianceName: names.variance)
      var b = bias ?? [Double](repeating: 0, count: filters)
      try norm.fold(into: &folded, bias: &b, field: "batchnorm")
      bias = b
      weights = folded.map { Float($0) }
    }
    return ImportedFilters(weights: weights, bias: bias?.map { Float($0) }, filterCount: filters, kernel: Pair(kh, kw), tensors: used,
                           weight: weight, trained: TrainedForm(convBias: convBias, batchNorm: batchNorm != nil))
  }

  /// The four tensors of the batch norm at `prefix`, by the names PyTorch and Keras give them.
  static func batchNormNames(_ prefix: String, in reader: any WeightsReader) throws(WeightsRequestFailure)
    -> (gamma: String, beta: String, mean: String, variance: String) {
    let conventions = [["weight", "bias", "running_mean", "running_var"], ["gamma", "beta", "moving_mean", "moving_variance"],
                       ["gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"], ["vars/0", "vars/1", "vars/2", "vars/3"]]
    for suffixes in conventions {
      for separator in [".", "/"] {
        let names = suffixes.map { prefix + separator + $0 }
        if names.allSatisfy(reader.has) { return (names[0], names[1], names[2], names[3]) }
      }
    }
    throw WeightsRequestFailure(
      field: "batchnorm",
      reason: "\(reader.file) has no batch norm at '\(prefix)' (expected \(prefix).weight, .bias, .running_mean, .running_var, "
        + "or gamma, beta, moving_mean, moving_variance)")
  }
}
