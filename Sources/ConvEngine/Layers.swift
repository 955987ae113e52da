/// One Conv2D layer with PyTorch's semantics: filter f has a distinct kernel for each input channel of
/// its group; each kernel is cross-correlated with its own channel and the results are summed, plus one
/// bias per filter, then the activation is applied.
///
/// weights (F, C / groups, KH, KW), bias (F); input (C, H, W) -> output (F, OH, OW) with
/// `OH = floor((H + pad_top + pad_bottom - dilation.y * (KH - 1) - 1) / stride.y) + 1` (OW alike).
public struct ConvLayer: Sendable, Equatable {
  public var inputChannels: Int
  public var filterCount: Int
  public var kernel: Pair
  /// (F, C / groups, KH, KW), as stored in the bank: not flipped.
  public var weights: [Float]
  /// One per filter; zeros when the layer has no biases.
  public var bias: [Float]
  /// Whether the layer has biases at all (Keras's `use_bias`): they count as parameters.
  public var hasBias: Bool
  public var stride: Pair
  public var dilation: Pair
  public var groups: Int
  public var padding: PaddingRule
  public var paddingMode: PaddingMode
  public var activation: Activation
  /// True convolution (kernels turned 180 degrees) instead of cross-correlation.
  public var flip: Bool

  public init(inputChannels: Int, filterCount: Int, kernel: Pair, weights: [Float], bias: [Float]? = nil,
              stride: Pair = Pair(1), dilation: Pair = Pair(1), groups: Int = 1,
              padding: PaddingRule = .fixed(.none), paddingMode: PaddingMode = .zeros,
              activation: Activation = .none, flip: Bool = false) {
    precondition(groups >= 1 && inputChannels % groups == 0 && filterCount % groups == 0)
    precondition(weights.count == filterCount * (inputChannels / groups) * kernel.y * kernel.x)
    self.inputChannels = inputChannels
    self.filterCount = filterCount
    self.kernel = kernel
    self.weights = weights
    self.bias = bias ?? [Float](repeating: 0, count: filterCount)
    hasBias = bias != nil
    self.stride = stride
    self.dilation = dilation
    self.groups = groups
    self.padding = padding
    self.paddingMode = paddingMode
    self.activation = activation
    self.flip = flip
  }

  public var channelsPerGroup: Int { inputChannels / groups }
  public var filtersPerGroup: Int { filterCount / groups }
  /// The first input channel that filter `f` sees.
  public func firstChannel(ofFilter f: Int) -> Int { (f / filtersPerGroup) * channelsPerGroup }

  /// Learned parameters, as Keras and PyTorch count them: every weight, plus one bias per filter when the
  /// layer has biases.
  public var parameterCount: Int { weights.count + (hasBias ? filterCount : 0) }
  /// Multiply-adds per output pixel.
  public var multiplyAddsPerOutput: Int { channelsPerGroup * kernel.y * kernel.x }
}

/// Max or average pooling with PyTorch's semantics: max pads with minus infinity, average counts the
/// padded zeros (`count_include_pad=True`), no ceil mode.
public struct PoolLayer: Sendable, Equatable {
  public enum Kind: String, Sendable { case max, average }
  public var kind: Kind
  public var size: Pair
  public var stride: Pair
  public var padding: Padding

  public init(kind: Kind, size: Pair, stride: Pair? = nil, padding: Padding = .none) {
    self.kind = kind
    self.size = size
    self.stride = stride ?? size
    self.padding = padding
  }
}

public enum Layer: Sendable, Equatable {
  case conv(ConvLayer)
  case pool(PoolLayer)
}

/// A layer that cannot be applied to an input of the given size.
public struct ShapeError: Error, Equatable, CustomStringConvertible, Sendable {
  /// 0-based index of the layer in the network.
  public var layer: Int
  public var reason: String
  public var description: String { "layers[\(layer)]: \(reason)" }
}

/// The geometry of one layer applied to one input size: padding resolved, output size computed.
public struct LayerGeometry: Sendable, Equatable {
  public var inputHeight: Int
  public var inputWidth: Int
  public var padding: Padding
  public var outputHeight: Int
  public var outputWidth: Int
  /// The output pixels whose receptive field lies wholly inside the clean part of the input (by default the
  /// whole input; through `chain`, the part that no earlier layer's padding reached): rows `interiorRows`,
  /// columns `interiorColumns`; empty when every output pixel touches padding.
  public var interiorRows: Range<Int>
  public var interiorColumns: Range<Int>

  static func outputSide(_ input: Int, _ before: Int, _ after: Int, kernel: Int, stride: Int, dilation: Int) -> Int {
    let span = input + before + after - dilation * (kernel - 1) - 1
    return span < 0 ? 0 : span / stride + 1
  }

  /// Outputs o whose inputs o * stride - before + dilation * k (k < kernel) all lie in `inside`.
  static func interior(_ inside: Range<Int>, before: Int, output: Int, kernel: Int, stride: Int, dilation: Int) -> Range<Int> {
    guard !inside.isEmpty else { return 0..<0 }
    let first = (inside.lowerBound + before + stride - 1) / stride  // o * stride >= lowerBound + before
    let lastInput = inside.upperBound - 1 - dilation * (kernel - 1) + before  // o * stride <= lastInput
    let end = lastInput < 0 ? 0 : min(output, lastInput / stride + 1)
    return first < end ? first..<end : 0..<0
  }

  /// The whole of an input of `height` x `width`.
  static func all(_ height: Int, _ width: Int) -> (rows: Range<Int>, columns: Range<Int>) { (0..<height, 0..<width) }

  /// Geometry of `conv` on an input of `height` x `width`, or why it cannot be applied.
  /// `clean` is the part of the input that no padding reached (default: all of it).
  public static func of(_ conv: ConvLayer, height: Int, width: Int, layerIndex: Int,
                        clean: (rows: Range<Int>, columns: Range<Int>)? = nil) throws(ShapeError) -> LayerGeometry {
    let padding = conv.padding.resolve(
      height: height, width: width, kernel: conv.kernel, stride: conv.stride, dilation: conv.dilation)
    let limitY = conv.paddingMode.maximumPadding(side: height)
    let limitX = conv.paddingMode.maximumPadding(side: width)
    if max(padding.top, padding.bottom) > limitY || max(padding.left, padding.right) > limitX {
      let rule = conv.paddingMode == .reflect ? "smaller than" : "at most"
      throw ShapeError(
        layer: layerIndex,
        reason: "padding_mode \(conv.paddingMode.rawValue) needs padding \(rule) the input side, but the "
          + "padding is \(padding.top), \(padding.left), \(padding.bottom), \(padding.right) on an input of \(width)x\(height)")
    }
    let extentY = conv.dilation.y * (conv.kernel.y - 1) + 1
    let extentX = conv.dilation.x * (conv.kernel.x - 1) + 1
    if extentY > height + padding.top + padding.bottom || extentX > width + padding.left + padding.right {
      throw ShapeError(
        layer: layerIndex,
        reason: "the kernel (\(conv.kernel.x)x\(conv.kernel.y), dilation \(conv.dilation)) covers \(extentX)x\(extentY) "
          + "pixels, more than the padded input of \(width + padding.left + padding.right)x\(height + padding.top + padding.bottom)")
    }
    let outH = outputSide(height, padding.top, padding.bottom, kernel: conv.kernel.y, stride: conv.stride.y, dilation: conv.dilation.y)
    let outW = outputSide(width, padding.left, padding.right, kernel: conv.kernel.x, stride: conv.stride.x, dilation: conv.dilation.x)
    return LayerGeometry(
      inputHeight: height, inputWidth: width, padding: padding, outputHeight: outH, outputWidth: outW,
      interiorRows: interior((clean ?? all(height, width)).rows, before: padding.top, output: outH, kernel: conv.kernel.y,
                             stride: conv.stride.y, dilation: conv.dilation.y),
      interiorColumns: interior((clean ?? all(height, width)).columns, before: padding.left, output: outW, kernel: conv.kernel.x,
                                stride: conv.stride.x, dilation: conv.dilation.x))
  }

  /// Geometry of `pool` on an input of `height` x `width`, or why it cannot be applied.
  /// `clean` is the part of the input that no padding reached (default: all of it).
  public static func of(_ pool: PoolLayer, height: Int, width: Int, layerIndex: Int,
                        clean: (rows: Range<Int>, columns: Range<Int>)? = nil) throws(ShapeError) -> LayerGeometry {
    let p = pool.padding
    if pool.size.y > height + p.top + p.bottom || pool.size.x > width + p.left + p.right {
      throw ShapeError(
        layer: layerIndex,
        reason: "the pooling window \(pool.size.x)x\(pool.size.y) is larger than the padded input of "
          + "\(width + p.left + p.right)x\(height + p.top + p.bottom)")
    }
    let outH = outputSide(height, p.top, p.bottom, kernel: pool.size.y, stride: pool.stride.y, dilation: 1)
    let outW = outputSide(width, p.left, p.right, kernel: pool.size.x, stride: pool.stride.x, dilation: 1)
    return LayerGeometry(
      inputHeight: height, inputWidth: width, padding: p, outputHeight: outH, outputWidth: outW,
      interiorRows: interior((clean ?? all(height, width)).rows, before: p.top, output: outH, kernel: pool.size.y,
                             stride: pool.stride.y, dilation: 1),
      interiorColumns: interior((clean ?? all(height, width)).columns, before: p.left, output: outW, kernel: pool.size.x,
                                stride: pool.stride.x, dilation: 1))
  }
}

extension LayerGeometry {
  /// The geometry of every layer in turn on an input of `height` x `width`, or the first layer that does
  /// not fit: a check that costs nothing before any work or any file is touched. Each layer's interior
  /// counts the padding of every layer before it.
  public static func chain(_ layers: [Layer], height: Int, width: Int) throws(ShapeError) -> [LayerGeometry] {
    var (h, w) = (height, width)
    var clean = all(height, width)
    var result: [LayerGeometry] = []
    for (index, layer) in layers.enumerated() {
      let g: LayerGeometry
      switch layer {
      case .conv(let conv): g = try of(conv, height: h, width: w, layerIndex: index, clean: clean)
      case .pool(let pool): g = try of(pool, height: h, width: w, layerIndex: index, clean: clean)
      }
      result.append(g)
      (h, w) = (g.outputHeight, g.outputWidth)
      clean = (g.interiorRows, g.interiorColumns)
    }
    return result
  }
}
