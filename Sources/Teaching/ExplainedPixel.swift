import ConvEngine
import Normalization

/// How one output pixel of a conv layer is computed, term by term, with the numbers the engine computes.
public struct ExplainedPixel: Sendable {
  /// One input channel the filter sees: the receptive field, the kernel as applied, their products.
  public struct Channel: Sendable {
    public var name: String
    /// The channel's index in the layer's input.
    public var index: Int
    /// (KH, KW): the input values the kernel multiplies; padded positions hold what the padding mode gives.
    public var patch: [[Float]]
    public var padded: [[Bool]]
    /// (KH, KW): the kernel as applied (turned 180 degrees when the layer flips).
    public var kernel: [[Float]]
    public var products: [[Double]]
    public var sum: Double
  }

  public var layer: Int
  public var filterIndex: Int
  public var filter: String
  public var x: Int
  public var y: Int
  public var stride: Pair
  public var dilation: Pair
  public var padding: Padding
  public var paddingMode: PaddingMode
  /// The input rows and columns the kernel's rows and columns read (before padding: outside the input is
  /// padding).
  public var rows: [Int]
  public var columns: [Int]
  public var inputHeight: Int
  public var inputWidth: Int
  public var outputHeight: Int
  public var outputWidth: Int
  public var channels: [Channel]
  /// Every product summed, channel after channel.
  public var sum: Double
  public var bias: Float
  public var preActivation: Float
  public var activation: String
  /// The activation's definition, in x (the pre-activation).
  public var activationFormula: String
  /// The map's value at (x, y) as the engine computed it (what --format npy writes).
  public var value: Float
  /// The value the definition gives (the reference): equal to `value` to float32 rounding.
  public var definedValue: Float
  public var gray: Int
  public var mapping: GrayMapping
  public var scope: String
}

extension LayerRun {
  /// Output pixel (x, y) of map `f`: refused when outside the map.
  public func explain(filter f: Int, x: Int, y: Int, scope: String) throws(TeachingError) -> ExplainedPixel {
    guard (0..<output.width).contains(x), (0..<output.height).contains(y) else {
      throw TeachingError("--at \(x),\(y) is outside layer \(number)'s \(output.width)x\(output.height) maps (x 0...\(output.width - 1), y 0...\(output.height - 1))")
    }
    let (kh, kw) = (conv.kernel.y, conv.kernel.x)
    var channels: [ExplainedPixel.Channel] = []
    let defined = ReferenceEngine.value(of: conv, filter: f, y: y, x: x, input: input, padding: geometry.padding) { term in
      if channels.last?.index != term.channel {
        let zeros = { (v: Float) in [[Float]](repeating: [Float](repeating: v, count: kw), count: kh) }
        channels.append(ExplainedPixel.Channel(
          name: inputNames[term.channel], index: term.channel, patch: zeros(0),
          padded: [[Bool]](repeating: [Bool](repeating: false, count: kw), count: kh), kernel: zeros(0),
          products: [[Double]](repeating: [Double](repeating: 0, count: kw), count: kh), sum: 0))
      }
      let product = Double(term.weight) * Double(term.input)
      channels[channels.count - 1].patch[term.ky][term.kx] = term.input
      channels[channels.count - 1].padded[term.ky][term.kx] = term.isPadding
      channels[channels.count - 1].kernel[term.ky][term.kx] = term.weight
      channels[channels.count - 1].products[term.ky][term.kx] = product
      channels[channels.count - 1].sum += product
    }
    let p = geometry.padding
    return ExplainedPixel(
      layer: number, filterIndex: f, filter: filterNames[f], x: x, y: y, stride: conv.stride, dilation: conv.dilation,
      padding: p, paddingMode: conv.paddingMode,
      rows: (0..<kh).map { y * conv.stride.y - p.top + $0 * conv.dilation.y },
      columns: (0..<kw).map { x * conv.stride.x - p.left + $0 * conv.dilation.x },
      inputHeight: input.height, inputWidth: input.width, outputHeight: output.height, outputWidth: output.width,
      channels: channels, sum: defined.sum, bias: defined.bias, preActivation: defined.preActivation,
      activation: conv.activation.description,
      activationFormula: conv.activation.formula(filter: f),
      value: output[f, y, x], definedValue: defined.value,
      gray: gray(output[f, y, x], map: f), mapping: maps[f].mapping, scope: scope)
  }
}
