import ConvEngine

/// A filter bank: what a network's first layers compute, as read from a `featuremaps-bank/1` file.
public struct FilterBank: Sendable, Equatable {
  public static let formatName = "featuremaps-bank/1"

  public var name: String
  public var description: String
  public var source: Source?
  public var input: Input
  public var layers: [BankLayer]

  /// Where the bank came from and under which terms.
  public struct Source: Sendable, Equatable {
    public var kind: String
    public var details: String
    public var license: String
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

    public static let rgb = Input(channels: ["R", "G", "B"], range: (0, 1), mean: [0, 0, 0], std: [1, 1, 1])
  }

  /// The engine's description of every layer, in order.
  public var network: [Layer] { layers.map(\.layer) }

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
}
