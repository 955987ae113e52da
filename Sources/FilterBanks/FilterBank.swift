import Basics
import ConvEngine

/// A filter bank: what a network's first layers compute, as read from a `featuremaps-bank/1` file.
public struct FilterBank: Sendable, Equatable {
  public static let formatName = "featuremaps-bank/1"

  public var name: String
  public var description: String
  public var source: Source?
  public var input: Input
  public var layers: [BankLayer]

  public init(name: String, description: String, source: Source?, input: Input, layers: [BankLayer]) {
    self.name = name
    self.description = description
    self.source = source
    self.input = input
    self.layers = layers
  }

  /// Where the bank came from and under which terms: `kind` (hand-designed, learned, imported), `details`,
  /// `license`, and any other members a bank records (the model, the weights file and its SHA-256...).
  public struct Source: Sendable, Equatable {
    public var members: [(key: String, value: JSONValue)]

    public init(members: [(key: String, value: JSONValue)]) { self.members = members }

    public var kind: String { text("kind") }
    public var details: String { text("details") }
    public var license: String { text("license") }

    func text(_ key: String) -> String {
      if case .string(let value)? = members.first(where: { $0.key == key })?.value { return value }
      return ""
    }

    public static func == (a: Source, b: Source) -> Bool { JSONValue.object(a.members) == JSONValue.object(b.members) }
  }

  /// What the first layer expects: which channels, and how samples are scaled before it sees them.
  /// A sample s in 0...1 (8-bit s/255, 16-bit s/65535) becomes
  /// `(range.lower + s * (range.upper - range.lower) - mean[c]) / std[c]`.
  public struct Input: Sendable, Equatable {
    public var channels: [String]
    public var range: (lower: Float, upper: Float)
    public var mean: [Float]
    public var std: [Float]

    public static func == (a: Input, b: Input) -> Bool {
      a.channels == b.channels && a.range == b.range && a.mean == b.mean && a.std == b.std
    }

    public init(channels: [String], range: (lower: Float, upper: Float), mean: [Float], std: [Float]) {
      self.channels = channels
      self.range = range
      self.mean = mean
      self.std = std
    }

    public static let rgb = Input(channels: ["R", "G", "B"], range: (0, 1), mean: [0, 0, 0], std: [1, 1, 1])
  }

  /// The engine's description of every layer, in order.
  public var network: [Layer] { layers.map(\.layer) }

  /// The indices of the conv layers among all layers.
  public var convLayerIndices: [Int] {
    layers.indices.filter { if case .conv = layers[$0].layer { return true } else { return false } }
  }

  /// The number of conv layers before and including layer `index`: layer numbers as users count them.
  public func convLayerNumber(_ index: Int) -> Int {
    layers[...index].filter { if case .conv = $0.layer { return true } else { return false } }.count
  }
}

/// One layer of a bank with the names of its output channels.
public struct BankLayer: Sendable, Equatable {
  public var layer: Layer
  /// For a conv layer, its filters' names; for a pooling layer, the channels it passes on.
  public var outputNames: [String]
  /// The JSON path of the layer in its file, for messages.
  public var path: String
  /// Where the layer's filters came from, when they were taken `from` a weights file.
  public var origin: WeightsOrigin?
  /// For an imported conv layer: what it was in the trained network, before a batch norm was folded in.
  public var trained: TrainedForm?

  public init(layer: Layer, outputNames: [String], path: String, origin: WeightsOrigin? = nil, trained: TrainedForm? = nil) {
    self.layer = layer
    self.outputNames = outputNames
    self.path = path
    self.origin = origin
    self.trained = trained
  }
}

/// An imported conv layer as the network had it: folding a batch norm into the weights changes how many
/// parameters the layer has, and frameworks count the network's (`"as_trained"` in a bank; `summary`).
public struct TrainedForm: Sendable, Equatable {
  /// Whether the conv had biases of its own (PyTorch's `bias=True`, Keras's `use_bias`).
  public var convBias: Bool
  /// Whether a batch norm followed it (folded into the bank's weights and biases).
  public var batchNorm: Bool

  public init(convBias: Bool, batchNorm: Bool) {
    self.convBias = convBias
    self.batchNorm = batchNorm
  }

  /// The parameters the network's layers had for `filters` filters of `weightsPerFilter` weights: all of
  /// them, as Keras's `summary()` counts (a batch norm's scale, shift, running mean and running variance),
  /// and the trainable ones, as PyTorch's `parameters()` and torchinfo count (scale and shift).
  public func parameters(filters: Int, weightsPerFilter: Int) -> (all: Int, trainable: Int) {
    let conv = filters * weightsPerFilter + (convBias ? filters : 0)
    return (conv + (batchNorm ? 4 * filters : 0), conv + (batchNorm ? 2 * filters : 0))
  }
}

/// The weights file a layer's filters were read from.
public struct WeightsOrigin: Sendable, Equatable {
  /// As the bank gives it (relative to the bank file).
  public var file: String
  /// Where it was read.
  public var path: String
  /// The tensors read: weight, bias, batch norm.
  public var tensors: [String]
}
