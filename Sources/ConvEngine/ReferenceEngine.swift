import Foundation

/// The reference: the definitions written as obvious loops with Double accumulation. Slow on purpose;
/// the tests hold the fast `Engine` to it, and `explain` shows its terms. It works out its own geometry
/// (padding, output sizes) and its own padding modes from the definitions, so that a mistake in
/// `LayerGeometry` or `PaddingMode` would show as a difference instead of being shared.
public enum ReferenceEngine {
  /// input (C, H, W), weights (F, C / groups, KH, KW), bias (F) -> output (F, OH, OW)
  public static func apply(_ conv: ConvLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    precondition(input.channels == conv.inputChannels)
    _ = try LayerGeometry.of(conv, height: input.height, width: input.width, layerIndex: layerIndex)  // the same refusals
    let padding = Self.padding(conv, height: input.height, width: input.width)
    let outH = Self.outputSide(input.height + padding.top + padding.bottom, conv.kernel.y, conv.stride.y, conv.dilation.y)
    let outW = Self.outputSide(input.width + padding.left + padding.right, conv.kernel.x, conv.stride.x, conv.dilation.x)
    var output = Tensor(channels: conv.filterCount, height: outH, width: outW)
    for f in 0..<conv.filterCount {
      for oy in 0..<outH {
        for ox in 0..<outW {
          output[f, oy, ox] = value(of: conv, filter: f, y: oy, x: ox, input: input, padding: padding).value
        }
      }
    }
    return output
  }

  /// PyTorch's output size: floor((padded - dilation * (kernel - 1) - 1) / stride) + 1.
  static func outputSide(_ padded: Int, _ kernel: Int, _ stride: Int, _ dilation: Int) -> Int {
    (padded - dilation * (kernel - 1) - 1) / stride + 1
  }

  /// The padding the layer asks for on this input: fixed, or ONNX's SAME_UPPER (ceil(side / stride)
  /// outputs, the odd extra pixel after).
  static func padding(_ conv: ConvLayer, height: Int, width: Int) -> Padding {
    guard case .same = conv.padding else {
      if case .fixed(let p) = conv.padding { return p }
      return .none
    }
    func split(_ side: Int, _ kernel: Int, _ stride: Int, _ dilation: Int) -> (Int, Int) {
      let outputs = (side + stride - 1) / stride
      let total = max(0, (outputs - 1) * stride + dilation * (kernel - 1) + 1 - side)
      return (total / 2, total - total / 2)
    }
    let (top, bottom) = split(height, conv.kernel.y, conv.stride.y, conv.dilation.y)
    let (left, right) = split(width, conv.kernel.x, conv.stride.x, conv.dilation.x)
    return Padding(top: top, left: left, bottom: bottom, right: right)
  }

  /// Where padded coordinate `i` of a side of `n` samples reads, as PyTorch and NumPy define each mode;
  /// nil for a zero.
  static func source(_ i: Int, side n: Int, mode: PaddingMode) -> Int? {
    if (0..<n).contains(i) { return i }
    switch mode {
    case .zeros: return nil
    case .replicate: return min(max(i, 0), n - 1)
    case .reflect: return i < 0 ? -i : 2 * n - 2 - i  // mirrored about the edge sample
    case .symmetric: return i < 0 ? -1 - i : 2 * n - 1 - i  // mirrored about the edge itself
    case .circular: return (i % n + n) % n
    }
  }

  /// input (C, H, W) -> output (C, OH, OW)
  public static func apply(_ pool: PoolLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    _ = try LayerGeometry.of(pool, height: input.height, width: input.width, layerIndex: layerIndex)  // the same refusals
    let p = pool.padding
    let outH = Self.outputSide(input.height + p.top + p.bottom, pool.size.y, pool.stride.y, 1)
    let outW = Self.outputSide(input.width + p.left + p.right, pool.size.x, pool.stride.x, 1)
    var output = Tensor(channels: input.channels, height: outH, width: outW)
    for c in 0..<input.channels {
      for oy in 0..<outH {
        for ox in 0..<outW {
          var best = -Double.infinity
          var sum = 0.0
          for ky in 0..<pool.size.y {
            for kx in 0..<pool.size.x {
              let iy = oy * pool.stride.y - p.top + ky
              let ix = ox * pool.stride.x - p.left + kx
              let inside = iy >= 0 && iy < input.height && ix >= 0 && ix < input.width
              let v = inside ? Double(input[c, iy, ix]) : (pool.kind == .max ? -Double.infinity : 0)
              best = max(best, v)
              sum += v
            }
          }
          output[c, oy, ox] = Float(pool.kind == .max ? best : sum / Double(pool.size.y * pool.size.x))
        }
      }
    }
    return output
  }

  /// Every layer in order.
  public static func run(_ layers: [Layer], on input: Tensor) throws(ShapeError) -> [Tensor] {
    var outputs: [Tensor] = []
    var current = input
    for (index, layer) in layers.enumerated() {
      switch layer {
      case .conv(let conv): current = try apply(conv, to: current, layerIndex: index)
      case .pool(let pool): current = try apply(pool, to: current, layerIndex: index)
      }
      outputs.append(current)
    }
    return outputs
  }
}

// MARK: - One output value

/// One product of an output value's sum: the weight at kernel position (ky, kx) of one input channel times
/// the input value that position reads.
public struct ConvTerm: Sendable, Equatable {
  /// The input channel, an index into the layer's input.
  public var channel: Int
  public var ky: Int
  public var kx: Int
  /// Where the position reads, in input coordinates before padding: outside the input means padding.
  public var row: Int
  public var column: Int
  public var isPadding: Bool
  /// The value read: the input's, or what the padding mode puts there (0 for zeros).
  public var input: Float
  /// The weight as applied: turned 180 degrees when the layer flips.
  public var weight: Float
}

/// An output value and how it came about: the sum of the products, the bias, and the activation.
public struct ConvValue: Sendable, Equatable {
  /// Every product added up, channel after channel, in Double.
  public var sum: Double
  public var bias: Float
  /// `sum + bias`, as a Float: what the activation is applied to.
  public var preActivation: Float
  public var value: Float
}

extension ReferenceEngine {
  /// Output (f, oy, ox) of `conv` on `input` padded by `padding` (from the layer's geometry), as the
  /// definition says: for each input channel of the filter's group, for each kernel position, the weight
  /// times the input value there (padded as the padding mode says); all summed, plus the bias, then the
  /// activation. `eachTerm` sees every product, channel by channel, in the order they are added.
  public static func value(of conv: ConvLayer, filter f: Int, y oy: Int, x ox: Int, input: Tensor, padding: Padding,
                           eachTerm: (ConvTerm) -> Void = { _ in }) -> ConvValue {
    let cpg = conv.channelsPerGroup
    let firstChannel = conv.firstChannel(ofFilter: f)
    var sum = 0.0
    for ci in 0..<cpg {
      for ky in 0..<conv.kernel.y {
        for kx in 0..<conv.kernel.x {
          let iy = oy * conv.stride.y - padding.top + ky * conv.dilation.y
          let ix = ox * conv.stride.x - padding.left + kx * conv.dilation.x
          // Convolution proper turns the kernel 180 degrees; correlation uses it as stored.
          let (wy, wx) = conv.flip ? (conv.kernel.y - 1 - ky, conv.kernel.x - 1 - kx) : (ky, kx)
          let weight = conv.weights[((f * cpg + ci) * conv.kernel.y + wy) * conv.kernel.x + wx]
          var value: Float = 0
          if let sy = source(iy, side: input.height, mode: conv.paddingMode), let sx = source(ix, side: input.width, mode: conv.paddingMode) {
            value = input[firstChannel + ci, sy, sx]
          }
          sum += Double(weight) * Double(value)
          let isPadding = iy < 0 || iy >= input.height || ix < 0 || ix >= input.width
          eachTerm(ConvTerm(channel: firstChannel + ci, ky: ky, kx: kx, row: iy, column: ix, isPadding: isPadding,
                            input: value, weight: weight))
        }
      }
    }
    let bias = conv.bias[f]
    let preActivation = Float(sum + Double(bias))
    return ConvValue(sum: sum, bias: bias, preActivation: preActivation,
                     value: Float(conv.activation.reference(Double(preActivation), filter: f)))
  }
}

extension Activation {
  /// The definition in Double, written apart from `apply` (which the engine runs in Float): what the tests
  /// hold the engine's activations to.
  public func reference(_ x: Double, filter: Int) -> Double {
    switch self {
    case .none: return x
    case .relu: return Swift.max(x, 0)
    case .relu6: return Swift.min(Swift.max(x, 0), 6)
    case .leakyReLU(let slope): return x >= 0 ? x : x * Double(slope)
    case .sigmoid: return 1 / (1 + Foundation.exp(-x))
    case .tanh: return Foundation.tanh(x)
    case .silu: return x / (1 + Foundation.exp(-x))
    case .hardSwish: return x * Swift.min(Swift.max(x + 3, 0), 6) / 6
    case .hardSigmoid(let alpha, let beta): return Swift.min(Swift.max(Double(alpha) * x + Double(beta), 0), 1)
    case .gelu: return x * (1 + Foundation.erf(x / 2.0.squareRoot())) / 2
    case .geluTanh: return x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))) / 2
    case .elu(let alpha): return x > 0 ? x : Double(alpha) * Foundation.expm1(x)
    case .mish: return x * Foundation.tanh(x > 20 ? x : Foundation.log1p(Foundation.exp(x)))
    case .clip(let low, let high): return Swift.min(Swift.max(x, Double(low)), Double(high))
    case .prelu(let slopes): return x >= 0 ? x : x * Double(slopes[slopes.count == 1 ? 0 : filter])
    }
  }
}
