import CConvKernels

/// Winograd F(2x2, 3x3) (winograd_kernels.c): when it applies, the transformed kernels, and the rows.
extension PreparedConv {
  /// Winograd F(2x2, 3x3) computes 3x3, stride-1, undilated, ungrouped layers.
  static func winogradCanTake(_ conv: ConvLayer) -> Bool {
    conv.kernel == Pair(3) && conv.stride == Pair(1) && conv.dilation == Pair(1) && conv.groups == 1
  }

  /// It pays with whole chunks of input channels (with fewer, the chunk's zero channels cost more than the
  /// multiplications saved).
  static func winogradApplies(_ conv: ConvLayer) -> Bool {
    winogradCanTake(conv) && conv.channelsPerGroup >= channelsLastFrom
  }

  /// Winograd's transformed kernels U = G g Gt (G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]), per block of
  /// filters packed (16 positions, channels in whole chunks, 16 x vectors filters), zero past the real ones.
  static func packWinograd(_ weights: [Float], conv: ConvLayer, filterBlock: Int) -> ([FilterBlock], [Float]) {
    let cpg = conv.channelsPerGroup
    let channels = (cpg + channelsLastFrom - 1) / channelsLastFrom * channelsLastFrom
    let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
    var blocks: [FilterBlock] = []
    var packed: [Float] = []
    for first in stride(from: 0, to: conv.filterCount, by: filterBlock) {
      let filters = first..<min(first + filterBlock, conv.filterCount)
      let width = (filters.count + 15) / 16 * 16
      let offset = packed.count
      packed += [Float](repeating: 0, count: 16 * channels * width)
      for f in filters {
        for c in 0..<cpg {
          let k = (0..<9).map { Double(weights[(f * cpg + c) * 9 + $0]) }
          for i in 0..<4 {
            for j in 0..<4 {
              // (G g Gt)[i][j] = sum over a, b of G[i][a] g[a][b] G[j][b].
              var u = 0.0
              for a in 0..<3 { for b in 0..<3 { u += g[i][a] * k[a * 3 + b] * g[j][b] } }
              packed[offset + ((i * 4 + j) * channels + c) * width + f - first] = Float(u)
            }
          }
        }
      }
      blocks.append(FilterBlock(group: 0, filters: filters, width: width, weightOffset: offset))
    }
    return (blocks, packed)
  }

  /// Two output rows at a time, each block of filters in turn: the kernel writes the block's pixels for
  /// both rows, and the wanted filters are copied out with bias and activation.
  func computeWinograd(blocks: [FilterBlock], rows: Range<Int>, _ output: Output) {
    let kernel = FM_KERNEL_AVX512
    let ring = RowRing(plan: plan, rowsPerOutput: 4, step: 1)
    let chunks = plan.paddedChannels / plan.chunk
    let channels = chunks * plan.chunk
    var scratch = [Float](repeating: 0, count: 16 * Int(FM_WINOGRAD_TILES) * (channels + filterBlock))
    var pixels = [Float](repeating: 0, count: 2 * filterBlock * roundedWidth)
    var planes = [Float](repeating: 0, count: filterBlock * roundedWidth)
    packed.withUnsafeBufferPointer { packed in
      scratch.withUnsafeMutableBufferPointer { scratch in
        pixels.withUnsafeMutableBufferPointer { pixels in
          planes.withUnsafeMutableBufferPointer { planes in
            for oy in stride(from: rows.lowerBound, to: rows.upperBound, by: 2) {
              let inputRows: [UnsafePointer<Float>?] = ring.rows(for: oy, of: source)
              for block in blocks {
                let out0 = pixels.baseAddress!, out1 = pixels.baseAddress! + filterBlock * roundedWidth
                inputRows.withUnsafeBufferPointer { inputRows in
                  fm_winograd_rows(Int32(block.width / 16), inputRows.baseAddress!, Int32(chunks), plan.width * plan.chunk,
                                   Int32(roundedWidth), packed.baseAddress! + block.weightOffset, scratch.baseAddress!, out0, out1)
                }
                for (y, rowPixels) in [(oy, out0), (oy + 1, out1)] where y < rows.upperBound {
                  fm_pixels_to_planes(kernel, rowPixels, Int32(block.width), Int32(roundedWidth), planes.baseAddress!, roundedWidth)
                  finishBlock(kernel, block, planes: planes.baseAddress!, y: y, output)
                }
              }
            }
          }
        }
      }
    }
  }
}
