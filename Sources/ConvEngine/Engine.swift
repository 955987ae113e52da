import Dispatch

/// The engine the command uses: the same results as `ReferenceEngine`, computed row by row on padded
/// planes, with the work split over filters and bands of output rows and run on several threads.
public struct Engine: Sendable {
  /// How many threads work on one layer at most.
  public var threads: Int

  public init(threads: Int = ProcessInfoShim.activeProcessorCount) {
    self.threads = max(1, threads)
  }

  /// Every layer in order; returns each layer's output.
  public func run(_ layers: [Layer], on input: Tensor) throws(ShapeError) -> [Tensor] {
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

  /// input (C, H, W), weights (F, C / groups, KH, KW), bias (F) -> output (F, OH, OW)
  public func apply(_ conv: ConvLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    precondition(input.channels == conv.inputChannels)
    let g = try LayerGeometry.of(conv, height: input.height, width: input.width, layerIndex: layerIndex)
    let padded = Padder.pad(input, by: g.padding, mode: conv.paddingMode)
    let weights = conv.flip ? Self.turned(conv) : conv.weights
    var output = Tensor(channels: conv.filterCount, height: g.outputHeight, width: g.outputWidth)
    let (outH, outW) = (g.outputHeight, g.outputWidth)
    guard outH > 0 && outW > 0 else { return output }

    // Bands of rows small enough that every thread gets several pieces of work.
    let wanted = max(1, (threads * 4 + conv.filterCount - 1) / conv.filterCount)
    let bandRows = max(1, (outH + wanted - 1) / wanted)
    let bands = (outH + bandRows - 1) / bandRows
    let cpg = conv.channelsPerGroup
    let (kh, kw) = (conv.kernel.y, conv.kernel.x)
    let (sy, sx, dy, dx) = (conv.stride.y, conv.stride.x, conv.dilation.y, conv.dilation.x)
    let (inH, inW) = (padded.height, padded.width)

    padded.values.withUnsafeBufferPointer { source in
      weights.withUnsafeBufferPointer { weights in
        output.values.withUnsafeMutableBufferPointer { target in
          let source = source.baseAddress!
          let target = target.baseAddress!
          let weights = weights.baseAddress!
          Self.parallel(conv.filterCount * bands, threads: threads) { item in
            let f = item / bands
            let band = item % bands
            let rows = band * bandRows..<min(outH, (band + 1) * bandRows)
            let firstChannel = conv.firstChannel(ofFilter: f)
            let bias = conv.bias[f]
            for oy in rows {
              let out = target + (f * outH + oy) * outW
              out.update(repeating: bias, count: outW)
              for ci in 0..<cpg {
                let plane = source + (firstChannel + ci) * inH * inW
                for ky in 0..<kh {
                  let row = plane + (oy * sy + ky * dy) * inW
                  for kx in 0..<kw {
                    let w = weights[((f * cpg + ci) * kh + ky) * kw + kx]
                    let start = row + kx * dx
                    if sx == 1 {
                      Self.addScaled(w, start, into: out, count: outW)
                    } else {
                      for ox in 0..<outW { out[ox] += w * start[ox * sx] }
                    }
                  }
                }
              }
              if conv.activation != .none {
                for ox in 0..<outW { out[ox] = conv.activation.apply(out[ox]) }
              }
            }
          }
        }
      }
    }
    return output
  }

  /// input (C, H, W) -> output (C, OH, OW)
  public func apply(_ pool: PoolLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    let g = try LayerGeometry.of(pool, height: input.height, width: input.width, layerIndex: layerIndex)
    let fill: Float = pool.kind == .max ? -.infinity : 0
    let padded = Padder.pad(input, by: g.padding, constant: fill)
    var output = Tensor(channels: input.channels, height: g.outputHeight, width: g.outputWidth)
    let (outH, outW, inH, inW) = (g.outputHeight, g.outputWidth, padded.height, padded.width)
    let scale = 1 / Float(pool.size.y * pool.size.x)
    padded.values.withUnsafeBufferPointer { source in
      output.values.withUnsafeMutableBufferPointer { target in
        let source = source.baseAddress!
        let target = target.baseAddress!
        Self.parallel(input.channels, threads: threads) { c in
          for oy in 0..<outH {
            for ox in 0..<outW {
              var best = -Float.infinity
              var sum: Float = 0
              for ky in 0..<pool.size.y {
                let row = source + (c * inH + oy * pool.stride.y + ky) * inW + ox * pool.stride.x
                for kx in 0..<pool.size.x {
                  best = max(best, row[kx])
                  sum += row[kx]
                }
              }
              target[(c * outH + oy) * outW + ox] = pool.kind == .max ? best : sum * scale
            }
          }
        }
      }
    }
    return output
  }

  // MARK: - Pieces

  /// out[i] += w * source[i] for i in 0..<count.
  @inline(__always)
  static func addScaled(_ w: Float, _ source: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { out[i] += w * source[i] }
  }

  /// The weights with every kernel turned 180 degrees, for true convolution.
  static func turned(_ conv: ConvLayer) -> [Float] {
    let (kh, kw) = (conv.kernel.y, conv.kernel.x)
    var result = conv.weights
    for kernel in 0..<(conv.weights.count / (kh * kw)) {
      for ky in 0..<kh {
        for kx in 0..<kw {
          result[(kernel * kh + ky) * kw + kx] = conv.weights[(kernel * kh + kh - 1 - ky) * kw + kw - 1 - kx]
        }
      }
    }
    return result
  }

  /// Runs `body(i)` for every i in 0..<count, on several threads unless `threads` is 1.
  public static func parallel(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    if threads <= 1 || count <= 1 {
      for i in 0..<count { body(i) }
    } else {
      DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
  }
}

/// Builds padded copies of tensors.
enum Padder {
  /// Each plane surrounded by `padding`, filled as `mode` says.
  static func pad(_ input: Tensor, by padding: Padding, mode: PaddingMode) -> Tensor {
    if padding.isNone { return input }
    let rows = (0..<(input.height + padding.top + padding.bottom)).map {
      mode.sourceIndex($0 - padding.top, side: input.height)
    }
    let columns = (0..<(input.width + padding.left + padding.right)).map {
      mode.sourceIndex($0 - padding.left, side: input.width)
    }
    return gather(input, rows: rows, columns: columns, fill: 0)
  }

  /// Each plane surrounded by `padding` filled with `constant`.
  static func pad(_ input: Tensor, by padding: Padding, constant: Float) -> Tensor {
    if padding.isNone { return input }
    func source(_ i: Int, _ before: Int, _ side: Int) -> Int? { i - before >= 0 && i - before < side ? i - before : nil }
    let rows = (0..<(input.height + padding.top + padding.bottom)).map { source($0, padding.top, input.height) }
    let columns = (0..<(input.width + padding.left + padding.right)).map { source($0, padding.left, input.width) }
    return gather(input, rows: rows, columns: columns, fill: constant)
  }

  private static func gather(_ input: Tensor, rows: [Int?], columns: [Int?], fill: Float) -> Tensor {
    var padded = Tensor(channels: input.channels, height: rows.count, width: columns.count, repeating: fill)
    let (outH, outW) = (rows.count, columns.count)
    input.values.withUnsafeBufferPointer { source in
      padded.values.withUnsafeMutableBufferPointer { target in
        for c in 0..<input.channels {
          for (py, sy) in rows.enumerated() {
            guard let sy else { continue }
            let from = c * input.planeSize + sy * input.width
            let to = (c * outH + py) * outW
            for (px, sx) in columns.enumerated() {
              if let sx { target[to + px] = source[from + sx] }
            }
          }
        }
      }
    }
    return padded
  }
}

