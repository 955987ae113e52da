/// The reference: the definitions written as obvious loops with Double accumulation. Slow on purpose;
/// the tests hold the fast `Engine` to it.
public enum ReferenceEngine {
  /// input (C, H, W), weights (F, C / groups, KH, KW), bias (F) -> output (F, OH, OW)
  public static func apply(_ conv: ConvLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    precondition(input.channels == conv.inputChannels)
    let g = try LayerGeometry.of(conv, height: input.height, width: input.width, layerIndex: layerIndex)
    var output = Tensor(channels: conv.filterCount, height: g.outputHeight, width: g.outputWidth)
    let cpg = conv.channelsPerGroup
    for f in 0..<conv.filterCount {
      let firstChannel = conv.firstChannel(ofFilter: f)
      for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
          var sum = Double(conv.bias[f])
          for ci in 0..<cpg {
            for ky in 0..<conv.kernel.y {
              for kx in 0..<conv.kernel.x {
                let iy = oy * conv.stride.y - g.padding.top + ky * conv.dilation.y
                let ix = ox * conv.stride.x - g.padding.left + kx * conv.dilation.x
                guard let sy = conv.paddingMode.sourceIndex(iy, side: input.height),
                  let sx = conv.paddingMode.sourceIndex(ix, side: input.width)
                else { continue }
                // Convolution proper turns the kernel 180 degrees; correlation uses it as stored.
                let (wy, wx) = conv.flip ? (conv.kernel.y - 1 - ky, conv.kernel.x - 1 - kx) : (ky, kx)
                let w = conv.weights[((f * cpg + ci) * conv.kernel.y + wy) * conv.kernel.x + wx]
                sum += Double(w) * Double(input[firstChannel + ci, sy, sx])
              }
            }
          }
          output[f, oy, ox] = conv.activation.apply(Float(sum))
        }
      }
    }
    return output
  }

  /// input (C, H, W) -> output (C, OH, OW)
  public static func apply(_ pool: PoolLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    let g = try LayerGeometry.of(pool, height: input.height, width: input.width, layerIndex: layerIndex)
    var output = Tensor(channels: input.channels, height: g.outputHeight, width: g.outputWidth)
    for c in 0..<input.channels {
      for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
          var best = -Double.infinity
          var sum = 0.0
          for ky in 0..<pool.size.y {
            for kx in 0..<pool.size.x {
              let iy = oy * pool.stride.y - g.padding.top + ky
              let ix = ox * pool.stride.x - g.padding.left + kx
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
