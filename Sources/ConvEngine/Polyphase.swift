import Basics

/// A strided layer rewritten as a stride-1 layer on its input's phases (space-to-depth): with stride s, tap
/// (ky, kx) = (s a + p, s b + q) of channel c reads padded pixel (s (y + a) + p, s (x + b) + q), which is pixel
/// (y + a, x + b) of phase plane (c, p, q) = every s-th pixel from (p, q). So the layer equals a stride-1,
/// unpadded layer with C s^2 input channels and ceil(K / s)-wide kernels (zero where s a + p >= K): the same
/// products, summed in another order. It pays where a strided layer has few channels (ResNet's conv1: 7x7x3
/// stride 2 becomes 4x4x12, 192 multiply-adds per output for 147), which the strided (channels-last) kernels
/// would pad to a whole chunk of 8 channels for every tap (392); the stride-1 form takes the row kernels.
struct Polyphase {
  let stride: Int
  /// The stride-1 layer the kernels compute.
  let layer: ConvLayer
  private let original: ConvLayer

  /// Layers this rewriting computes: square strides of 2 or more, no dilation, one group.
  static func canTake(_ conv: ConvLayer) -> Bool {
    conv.stride.x >= 2 && conv.stride.y == conv.stride.x && conv.dilation == Pair(1) && conv.groups == 1
  }

  /// Whether `conv` is computed this way: square strides of 2 or more, no dilation, one group, and fewer
  /// multiply-adds than the strided kernels do with the input's channels padded to whole chunks (`chunk`).
  static func pays(for conv: ConvLayer, chunk: Int) -> Bool {
    guard canTake(conv) else { return false }
    let s = conv.stride.x
    let chunked = (conv.inputChannels + chunk - 1) / chunk * chunk
    let kernel = ((conv.kernel.y + s - 1) / s) * ((conv.kernel.x + s - 1) / s)
    return conv.inputChannels * s * s * kernel < chunked * conv.kernel.y * conv.kernel.x
  }

  /// `weights`: the layer's weights as correlated (turned when the layer flips).
  init(_ conv: ConvLayer, weights: [Float]) {
    let s = conv.stride.x
    let (kh, kw) = ((conv.kernel.y + s - 1) / s, (conv.kernel.x + s - 1) / s)
    let channels = conv.inputChannels * s * s
    var phased = [Float](repeating: 0, count: conv.filterCount * channels * kh * kw)
    for f in 0..<conv.filterCount {
      for c in 0..<conv.inputChannels {
        for ky in 0..<conv.kernel.y {
          for kx in 0..<conv.kernel.x {
            let phase = c * s * s + (ky % s) * s + kx % s
            phased[((f * channels + phase) * kh + ky / s) * kw + kx / s] =
              weights[((f * conv.inputChannels + c) * conv.kernel.y + ky) * conv.kernel.x + kx]
          }
        }
      }
    }
    stride = s
    original = conv
    layer = ConvLayer(inputChannels: channels, filterCount: conv.filterCount, kernel: Pair(kh, kw), weights: phased,
                      bias: conv.bias, activation: conv.activation)
  }

  /// The phase planes of `input` padded as the original layer pads it (`g`, its geometry on `input`):
  /// (C s^2, OH + KH - 1, OW + KW - 1), so that the stride-1 layer gives the original's output size. Pixels
  /// past the padded input are read only by zero weights, and are zero.
  func phases(of input: Tensor, geometry g: LayerGeometry, threads: Int) -> Tensor {
    let s = stride
    let (height, width) = (g.outputHeight + layer.kernel.y - 1, g.outputWidth + layer.kernel.x - 1)
    let paddedHeight = input.height + g.padding.top + g.padding.bottom
    let paddedWidth = input.width + g.padding.left + g.padding.right
    let mode = original.paddingMode
    // Padded row or column -> input row or column (nil: zero).
    func source(_ i: Int, before: Int, padded: Int, side: Int) -> Int? {
      i < padded ? mode.sourceIndex(i - before, side: side) : nil
    }
    let columns = (0..<s).map { q in
      (0..<width).map { j in source(s * j + q, before: g.padding.left, padded: paddedWidth, side: input.width) }
    }
    let planes = layer.inputChannels
    let values = LargeBuffers.floats(count: planes * height * width) { target in
      let target = UnsafeMutableSendablePointer(target.baseAddress!)
      Parallel.forEach(height, threads: threads) { i in
        input.values.withUnsafeBufferPointer { from in
          for p in 0..<s {
            let y = source(s * i + p, before: g.padding.top, padded: paddedHeight, side: input.height)
            for c in 0..<original.inputChannels {
              let row = y.map { from.baseAddress! + c * input.planeSize + $0 * input.width }
              for q in 0..<s {
                let out = target.pointer + ((c * s * s + p * s + q) * height + i) * width
                guard let row else {
                  out.initialize(repeating: 0, count: width)
                  continue
                }
                for (j, x) in columns[q].enumerated() { out[j] = x.map { row[$0] } ?? 0 }
              }
            }
          }
        }
      }
    }
    return Tensor(channels: planes, height: height, width: width, values: values)
  }
}
