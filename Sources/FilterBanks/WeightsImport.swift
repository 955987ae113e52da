import Basics
import ConvEngine
import WeightsFiles

/// How a conv layer's filters are taken from a weights file: the `from` of a bank layer, or the options of
/// `featuremaps import`.
public struct WeightsImport: Sendable, Equatable {
  /// How the weight tensor's axes are ordered.
  public enum Layout: String, Sendable, CaseIterable {
    /// filters, input channels, rows, columns: PyTorch and ONNX.
    case oihw = "OIHW"
    /// rows, columns, input channels, filters: Keras and TensorFlow.
    case hwio = "HWIO"
  }

  public var weight: String
  public var bias: String?
  /// A prefix whose batch norm tensors (PyTorch `weight`/`bias`/`running_mean`/`running_var`, Keras
  /// `gamma`/`beta`/`moving_mean`/`moving_variance` or `vars/0`...`vars/3`) fold into the weights and bias.
  public var batchNorm: String?
  /// The batch norm's epsilon: default 1e-5, or 1e-3 for Keras (HDF5) files.
  public var epsilon: Double?
  /// Default OIHW, or HWIO for Keras (HDF5) files.
  public var layout: Layout?

  public init(weight: String, bias: String? = nil, batchNorm: String? = nil, epsilon: Double? = nil, layout: Layout? = nil) {
    self.weight = weight
    self.bias = bias
    self.batchNorm = batchNorm
    self.epsilon = epsilon
    self.layout = layout
  }

  /// What an import gives a conv layer.
  public struct Result: Sendable {
    /// (F, C / groups, KH, KW), the batch norm folded in.
    public var weights: [Float]
    /// One per filter, or nil when the file gives neither a bias nor a batch norm.
    public var bias: [Float]?
    public var filterCount: Int
    public var kernel: Pair
    /// Every tensor read, for the bank's `source`.
    public var tensors: [String]
  }

  /// Why an import failed, and which of its fields it is about (`weight`, `bias`, `batchnorm`).
  public struct Failure: Error, Sendable {
    public var field: String
    public var reason: String
  }

  /// The layer's filters from `reader`, for an input of `channels` channels in `groups` groups.
  public func apply(to reader: any WeightsReader, channels: Int, groups: Int) throws(Failure) -> Result {
    func read(_ name: String, _ field: String) throws(Failure) -> WeightsTensor {
      do {
        return try reader.require(name)
      } catch {
        throw Failure(field: field, reason: error.description)
      }
    }
    let layout = self.layout ?? (reader.format == .hdf5 ? .hwio : .oihw)
    let tensor = try read(weight, "weight")
    guard tensor.shape.count == 4 else {
      throw Failure(field: "weight", reason: "'\(weight)' has shape \(shapeText(tensor.shape)); a conv weight is 4-D (\(layout.rawValue))")
    }
    let s = tensor.shape
    let (filters, perGroup, kh, kw) = layout == .oihw ? (s[0], s[1], s[2], s[3]) : (s[3], s[2], s[0], s[1])
    guard groups >= 1, channels % groups == 0, perGroup == channels / groups else {
      let expected = layout == .oihw ? "[filters, \(channels / max(groups, 1)), rows, columns]" : "[rows, columns, \(channels / max(groups, 1)), filters]"
      throw Failure(
        field: "weight",
        reason: "'\(weight)' has shape \(shapeText(s)) (\(layout.rawValue)): \(perGroup) input channels per filter, but the layer's input has \(channels) channels in \(groups) group\(groups == 1 ? "" : "s"), so it expects \(expected)")
    }
    guard filters >= 1, filters % groups == 0 else {
      throw Failure(field: "weight", reason: "'\(weight)' has \(filters) filters, which \(groups) groups do not divide")
    }
    if filters > BankLimits.maximumFilters || kh > BankLimits.maximumKernelSide || kw > BankLimits.maximumKernelSide || kh < 1 || kw < 1 {
      throw Failure(field: "weight", reason: "'\(weight)' of shape \(shapeText(s)) is over the bank limits (\(BankLimits.maximumFilters) filters, kernel sides 1 to \(BankLimits.maximumKernelSide))")
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
    func perFilter(_ name: String, _ field: String) throws(Failure) -> [Double] {
      let t = try read(name, field)
      guard t.values.count == filters, t.shape.filter({ $0 != 1 }).count <= 1 else {
        throw Failure(field: field, reason: "'\(name)' has shape \(shapeText(t.shape)), but the weight \(shapeText(s)) has \(filters) filters: expected [\(filters)]")
      }
      used.append(name)
      return t.values.map(Double.init)
    }
    var bias: [Double]? = try self.bias.map { (name) throws(Failure) in try perFilter(name, "bias") }
    if let prefix = batchNorm {
      let names = try Self.batchNormNames(prefix, in: reader)
      let (gamma, beta) = (try perFilter(names.gamma, "batchnorm"), try perFilter(names.beta, "batchnorm"))
      let (mean, variance) = (try perFilter(names.mean, "batchnorm"), try perFilter(names.variance, "batchnorm"))
      let epsilon = self.epsilon ?? (reader.format == .hdf5 ? 1e-3 : 1e-5)
      if let bad = variance.firstIndex(where: { $0 + epsilon <= 0 }) {
        throw Failure(field: "batchnorm", reason: "'\(names.variance)'[\(bad)] is \(variance[bad]): a variance plus epsilon must be positive")
      }
      // Inference-time batch norm: y = (x - mean) * gamma / sqrt(variance + eps) + beta, folded in Double.
      let scale = (0..<filters).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
      let perFilter = weights.count / filters
      for i in weights.indices { weights[i] = Float(Double(weights[i]) * scale[i / perFilter]) }
      let base = bias ?? [Double](repeating: 0, count: filters)
      bias = (0..<filters).map { (base[$0] - mean[$0]) * scale[$0] + beta[$0] }
    }
    return Result(weights: weights, bias: bias?.map { Float($0) }, filterCount: filters, kernel: Pair(kh, kw), tensors: used)
  }

  /// The four tensors of the batch norm at `prefix`, by the names PyTorch and Keras give them.
  static func batchNormNames(_ prefix: String, in reader: any WeightsReader) throws(Failure)
    -> (gamma: String, beta: String, mean: String, variance: String) {
    let conventions = [["weight", "bias", "running_mean", "running_var"], ["gamma", "beta", "moving_mean", "moving_variance"],
                       ["gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"], ["vars/0", "vars/1", "vars/2", "vars/3"]]
    for suffixes in conventions {
      for separator in [".", "/"] {
        let names = suffixes.map { prefix + separator + $0 }
        if names.allSatisfy(reader.has) { return (names[0], names[1], names[2], names[3]) }
      }
    }
    throw Failure(
      field: "batchnorm",
      reason: "\(reader.file) has no batch norm at '\(prefix)' (expected \(prefix).weight, .bias, .running_mean, .running_var, "
        + "or gamma, beta, moving_mean, moving_variance)")
  }
}
