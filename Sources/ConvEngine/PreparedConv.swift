import CConvKernels

/// A conv layer bound to one input: padding resolved, the input padded once, the weights flipped (for
/// true convolution) and packed for the chosen path. It computes any range of filters and output rows,
/// so a caller can produce maps in bands without holding them all.
public struct PreparedConv: @unchecked Sendable {
  public let conv: ConvLayer
  public let geometry: LayerGeometry
  /// Laid out (C, H, W) for the portable path, (H, C, W) for the SIMD kernels.
  let padded: Tensor
  /// The SIMD kernel, or nil for the portable path.
  let kernel: fm_kernel?
  /// Weights as stored (flipped if asked), (F, C / groups, KH, KW): the portable path's.
  let weights: [Float]
  /// For the SIMD path: per group, per block of FB filters, (C / groups, KH, KW, FB), zero-filled.
  let packed: [Float]
  public let filterBlock: Int
  let blocksPerGroup: Int
  /// Output row width rounded up to the kernel's pixel block.
  let roundedWidth: Int
  /// Input channels given to the SIMD kernel at a time.
  static let channelChunk = 8

  public init(_ conv: ConvLayer, input: Tensor, layerIndex: Int = 0, path: Engine.Path = .best) throws(ShapeError) {
    precondition(input.channels == conv.inputChannels)
    let g = try LayerGeometry.of(conv, height: input.height, width: input.width, layerIndex: layerIndex)
    self.conv = conv
    geometry = g
    weights = conv.flip ? Self.turned(conv) : conv.weights
    kernel = path == .portable || conv.stride.x != 1 ? nil : (path == .avx512 ? FM_KERNEL_AVX512 : FM_KERNEL_AVX2)
    if let kernel {
      filterBlock = Int(fm_kernel_filter_block(kernel))
      let pixelBlock = Int(fm_kernel_pixel_block(kernel))
      roundedWidth = (g.outputWidth + pixelBlock - 1) / pixelBlock * pixelBlock
      padded = Padder.pad(input, by: g.padding, mode: conv.paddingMode, extraRight: roundedWidth - g.outputWidth,
                          rowsInterleaved: true)
      blocksPerGroup = (conv.filtersPerGroup + filterBlock - 1) / filterBlock
      packed = Self.pack(weights, conv: conv, filterBlock: filterBlock, blocksPerGroup: blocksPerGroup)
    } else {
      filterBlock = 1
      roundedWidth = g.outputWidth
      padded = Padder.pad(input, by: g.padding, mode: conv.paddingMode)
      blocksPerGroup = conv.filtersPerGroup
      packed = []
    }
  }

  /// Computes output (filters.count, rows.count, OW) into `out`, bias and activation included.
  public func compute(filters: Range<Int>, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, threads: Int) {
    guard !filters.isEmpty, !rows.isEmpty, geometry.outputWidth > 0 else { return }
    // Blocks of filters that meet `filters`, as (group, block in group).
    let fpg = conv.filtersPerGroup
    let blocks = (0..<conv.groups).flatMap { g in
      (0..<blocksPerGroup).map { (g, $0) }.filter { g, b in
        let first = g * fpg + b * filterBlock
        return first < filters.upperBound && min(first + filterBlock, (g + 1) * fpg) > filters.lowerBound
      }
    }
    let target = UnsafeMutableSendablePointer(out)
    if kernel != nil {
      // Work items are bands of rows, and each row runs every block while its input rows are in the cache.
      let bands = min(rows.count, threads * 4)
      Engine.parallel(bands, threads: threads) { band in
        let bandRange = (rows.lowerBound + rows.count * band / bands)..<(rows.lowerBound + rows.count * (band + 1) / bands)
        computeSIMD(blocks: blocks, filters: filters, rows: bandRange, outputRows: rows, out: target.pointer)
      }
    } else {
      let wanted = max(1, (threads * 4 + blocks.count - 1) / blocks.count)
      let bandRows = max(1, (rows.count + wanted - 1) / wanted)
      let bands = (rows.count + bandRows - 1) / bandRows
      Engine.parallel(blocks.count * bands, threads: threads) { item in
        let (group, block) = blocks[item / bands]
        let band = item % bands
        let bandRange = (rows.lowerBound + band * bandRows)..<min(rows.upperBound, rows.lowerBound + (band + 1) * bandRows)
        let firstFilter = group * fpg + block
        computePortable(filters: firstFilter..<(firstFilter + 1), rows: bandRange, outputFilters: filters, outputRows: rows,
                        out: target.pointer)
      }
    }
  }

  // MARK: - Paths

  /// For each row, each block of filters: the SIMD kernel writes the block's row into a scratch buffer, a
  /// chunk of input channels at a time, and the wanted filters are copied out with bias and activation.
  private func computeSIMD(blocks: [(Int, Int)], filters: Range<Int>, rows: Range<Int>, outputRows: Range<Int>,
                           out: UnsafeMutablePointer<Float>) {
    let cpg = conv.channelsPerGroup
    let fpg = conv.filtersPerGroup
    let (kh, kw) = (conv.kernel.y, conv.kernel.x)
    let blockSize = cpg * kh * kw * filterBlock
    let outW = geometry.outputWidth
    var scratch = [Float](repeating: 0, count: filterBlock * roundedWidth)
    padded.values.withUnsafeBufferPointer { source in
      packed.withUnsafeBufferPointer { packed in
        scratch.withUnsafeMutableBufferPointer { scratch in
          for oy in rows {
            for (group, block) in blocks {
              let firstFilter = group * fpg + block * filterBlock
              // Rows interleaved (H, C, W): channel c of row y is at (y * C + c) * W.
              let input = source.baseAddress! + conv.firstChannel(ofFilter: firstFilter) * padded.width
              let weights = packed.baseAddress! + (group * blocksPerGroup + block) * blockSize
              // Channels in chunks: fewer rows read at once keeps them in the cache and its prefetchers.
              for first in stride(from: 0, to: cpg, by: Self.channelChunk) {
                let chunk = min(Self.channelChunk, cpg - first)
                fm_conv_row(kernel!, input + first * padded.width, Int32(chunk), padded.width, padded.channels * padded.width,
                            Int32(oy * conv.stride.y), weights + first * kh * kw * filterBlock, Int32(kh), Int32(kw),
                            Int32(conv.dilation.y), Int32(conv.dilation.x), Int32(roundedWidth), scratch.baseAddress!,
                            roundedWidth, first == 0 ? 0 : 1)
              }
              let blockFilters = max(firstFilter, filters.lowerBound)..<min(firstFilter + filterBlock, (group + 1) * fpg, filters.upperBound)
              for f in blockFilters {
                let from = scratch.baseAddress! + (f - firstFilter) * roundedWidth
                let to = out + ((f - filters.lowerBound) * outputRows.count + (oy - outputRows.lowerBound)) * outW
                finish(from, into: to, count: outW, bias: conv.bias[f])
              }
            }
          }
        }
      }
    }
  }

  /// Row by row: out_row += w * input_row for every tap, then bias and activation.
  private func computePortable(filters: Range<Int>, rows: Range<Int>, outputFilters: Range<Int>, outputRows: Range<Int>,
                               out: UnsafeMutablePointer<Float>) {
    let cpg = conv.channelsPerGroup
    let (kh, kw) = (conv.kernel.y, conv.kernel.x)
    let (sy, sx, dy, dx) = (conv.stride.y, conv.stride.x, conv.dilation.y, conv.dilation.x)
    let (inH, inW, outW) = (padded.height, padded.width, geometry.outputWidth)
    var accumulator = [Float](repeating: 0, count: outW)
    padded.values.withUnsafeBufferPointer { source in
      weights.withUnsafeBufferPointer { weights in
        accumulator.withUnsafeMutableBufferPointer { accumulator in
          let acc = accumulator.baseAddress!
          for f in filters {
            let firstChannel = conv.firstChannel(ofFilter: f)
            for oy in rows {
              acc.update(repeating: 0, count: outW)
              for ci in 0..<cpg {
                let plane = source.baseAddress! + (firstChannel + ci) * inH * inW
                for ky in 0..<kh {
                  let row = plane + (oy * sy + ky * dy) * inW
                  for kx in 0..<kw {
                    let w = weights[((f * cpg + ci) * kh + ky) * kw + kx]
                    let start = row + kx * dx
                    if sx == 1 {
                      for ox in 0..<outW { acc[ox] += w * start[ox] }
                    } else {
                      for ox in 0..<outW { acc[ox] += w * start[ox * sx] }
                    }
                  }
                }
              }
              let to = out + ((f - outputFilters.lowerBound) * outputRows.count + (oy - outputRows.lowerBound)) * outW
              finish(acc, into: to, count: outW, bias: conv.bias[f])
            }
          }
        }
      }
    }
  }

  @inline(__always)
  private func finish(_ sums: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int, bias: Float) {
    if conv.activation == .none {
      for x in 0..<count { out[x] = sums[x] + bias }
    } else {
      for x in 0..<count { out[x] = conv.activation.apply(sums[x] + bias) }
    }
  }

  // MARK: - Weights

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

  /// (F, C / groups, KH, KW) -> per group, per block of `filterBlock` filters, (C / groups, KH, KW, FB).
  static func pack(_ weights: [Float], conv: ConvLayer, filterBlock: Int, blocksPerGroup: Int) -> [Float] {
    let taps = conv.channelsPerGroup * conv.kernel.y * conv.kernel.x
    var packed = [Float](repeating: 0, count: conv.groups * blocksPerGroup * taps * filterBlock)
    for f in 0..<conv.filterCount {
      let group = f / conv.filtersPerGroup
      let inGroup = f % conv.filtersPerGroup
      let base = (group * blocksPerGroup + inGroup / filterBlock) * taps * filterBlock + inGroup % filterBlock
      for t in 0..<taps { packed[base + t * filterBlock] = weights[f * taps + t] }
    }
    return packed
  }
}

/// A pointer that threads may share because each writes a disjoint part of what it points to.
struct UnsafeMutableSendablePointer<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>
  init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
