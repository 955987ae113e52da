import ConvEngine

/// What a conv layer's `"from"` asks for: its filters read from a weights file. FilterBanks reads the
/// request from the bank; reading the file is the job of a `WeightsResolving` the caller gives (the
/// Importing module's), so that the format does not depend on weights files.
public struct WeightsRequest: Sendable, Equatable {
  /// How the weight tensor's axes are ordered.
  public enum Layout: String, Sendable, CaseIterable {
    /// filters, input channels, rows, columns: PyTorch and ONNX.
    case oihw = "OIHW"
    /// rows, columns, input channels, filters: Keras and TensorFlow.
    case hwio = "HWIO"
  }

  /// The file as the bank gives it, and where it is (relative to the bank's folder).
  public var file: String
  public var path: String
  /// The conv weight tensor; nil: the file's only tensor.
  public var weight: String?
  public var bias: String?
  /// A prefix whose batch norm tensors fold into the weights and bias.
  public var batchNorm: String?
  /// The batch norm's epsilon: default 1e-5, or 1e-3 for Keras (HDF5) files.
  public var epsilon: Double?
  /// Default OIHW, or HWIO for Keras (HDF5) files.
  public var layout: Layout?
  /// An ONNX Conv node (its name, or its number among the Conv nodes): weight, bias, what folds into it,
  /// its geometry and activation, all from the graph.
  public var node: String?

  public init(file: String, path: String, weight: String? = nil, bias: String? = nil, batchNorm: String? = nil,
              epsilon: Double? = nil, layout: Layout? = nil) {
    self.file = file
    self.path = path
    self.weight = weight
    self.bias = bias
    self.batchNorm = batchNorm
    self.epsilon = epsilon
    self.layout = layout
  }
}

/// A conv layer's filters as read for a request.
public struct ImportedFilters: Sendable {
  /// (F, C / groups, KH, KW), a batch norm folded in.
  public var weights: [Float]
  /// One per filter, or nil when the file gives neither a bias nor a batch norm.
  public var bias: [Float]?
  public var filterCount: Int
  public var kernel: Pair
  /// Every tensor read, for the bank's `source`.
  public var tensors: [String]
  /// The weight tensor read (named, or the file's only one).
  public var weight: String
  /// What the layer was in the network: whether the file gave the conv a bias, and a batch norm was folded.
  public var trained: TrainedForm
  /// For a request of an ONNX node: the layer as the graph has it, for the keys the bank does not give.
  public var graph: GraphLayer?

  /// What an ONNX Conv node's chain says of its layer besides the weights.
  public struct GraphLayer: Sendable {
    public var stride: Pair
    public var dilation: Pair
    public var padding: PaddingRule
    public var groups: Int
    public var activation: Activation

    public init(stride: Pair, dilation: Pair, padding: PaddingRule, groups: Int, activation: Activation) {
      self.stride = stride
      self.dilation = dilation
      self.padding = padding
      self.groups = groups
      self.activation = activation
    }
  }

  public init(weights: [Float], bias: [Float]?, filterCount: Int, kernel: Pair, tensors: [String], weight: String, trained: TrainedForm) {
    self.weights = weights
    self.bias = bias
    self.filterCount = filterCount
    self.kernel = kernel
    self.tensors = tensors
    self.weight = weight
    self.trained = trained
  }
}

/// Why a request could not be read, and which of its fields it is about (`file`, `weight`, `bias`,
/// `batchnorm`, `node`).
public struct WeightsRequestFailure: Error, Sendable {
  public var field: String
  public var reason: String

  public init(field: String, reason: String) {
    self.field = field
    self.reason = reason
  }
}

/// Reads the filters a request names, for an input of `channels` channels in `groups` groups (nil: the
/// ONNX node's own).
public protocol WeightsResolving: AnyObject, Sendable {
  func filters(_ request: WeightsRequest, channels: Int, groups: Int?) throws(WeightsRequestFailure) -> ImportedFilters
}
