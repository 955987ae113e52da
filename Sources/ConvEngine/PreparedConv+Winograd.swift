import Basics
import CConvKernels

/// Winograd F(2x4, 3x3) (winograd_kernels.c, `WinogradShape`): when it applies, the transformed kernels,
/// and the rows.
extension PreparedConv {
  /// Winograd F(2x4, 3x3) computes 3x3, stride-1, undilated, ungrouped layers.
  static func winogradCanTake(_ conv: ConvLayer) -> Bool {
    conv.kernel == Pair(3) && conv.stride == Pair(1) && conv.dilation == Pair(1) && conv.groups == 1
  }

  /// It pays with whole chunks of input channels (with fewer, the chunk's zero channels cost more than the
  /// multiplications saved).
  static func winogradApplies(_ conv: ConvLayer) -> Bool {
    winogradCanTake(conv) && conv.channelsPerGroup >= channelsLastFrom
  }

  /// Winograd's transformed kernels U = Gy g Gxt, per block of filters packed (the shape's positions,
  /// channels in whole chunks, 16 x vectors filters), zero past the real ones. In Double, rounded once.
  static func packWinograd(_ weights: [Float], conv: ConvLayer, filterBlock: Int) -> ([FilterBlock], [Float]) {
    let (cpg, r) = (conv.channelsPerGroup, 3)  // the kernel's side
    let channels = (cpg + channelsLastFrom - 1) / channelsLastFrom * channelsLastFrom
    let (gy, gx) = (WinogradShape.gRows, WinogradShape.gColumns)
    var blocks: [FilterBlock] = []
    var packed: [Float] = []
    for first in stride(from: 0, to: conv.filterCount, by: filterBlock) {
      let filters = first..<min(first + filterBlock, conv.filterCount)
      let width = (filters.count + winogradVector - 1) / winogradVector * winogradVector
      let offset = packed.count
      packed += [Float](repeating: 0, count: WinogradShape.positions * channels * width)
      for f in filters {
        for c in 0..<cpg {
          let k = (0..<(r * r)).map { Double(weights[(f * cpg + c) * r * r + $0]) }
          // Gy g first, then (Gy g) Gxt.
          let gk = gy.map { row in (0..<r).map { b in (0..<r).reduce(0.0) { $0 + row[$1] * k[$1 * r + b] } } }
          for i in gy.indices {
            for j in gx.indices {
              let u = (0..<r).reduce(0.0) { $0 + gk[i][$1] * gx[j][$1] }
              packed[offset + ((i * gx.count + j) * channels + c) * width + f - first] = Float(u)
            }
          }
        }
      }
      blocks.append(FilterBlock(group: 0, filters: filters, width: width, weightOffset: offset))
    }
    return (blocks, packed)
  }

  /// Filters in one of the kernel's vectors: it computes a block's filters by whole vectors.
  static let winogradVector = 16

  /// Padded input rows a worker holds at once, about `winogradBandBytes` of them (at least 4).
  static let winogradBandBytes = 16 << 20

  /// Sub-bands of rows, each block of filters in turn per strip of columns and tile of rows: the kernel
  /// writes the block's pixels for two rows, and the wanted filters are copied out with bias and
  /// activation. Strips start on tile boundaries: the same tiles, so the same sums, as whole rows.
  func computeWinograd(blocks: [FilterBlock], rows: Range<Int>, _ output: Output) {
    let tile = WinogradShape.tileRows
    let bandRows = max(tile, (Self.winogradBandBytes / (plan.rowFloats * MemoryLayout<Float>.size) - WinogradShape.inputRows) / tile * tile)
    let wholeTiles = (rows.count + tile - 1) / tile * tile
    // One piece of memory for the padded rows, the kernel's scratch, the pixels and the planes, each on a
    // 64-byte boundary (whole vectors: a load across two cache lines costs two).
    func whole(_ floats: Int) -> Int { (floats + 15) / 16 * 16 }
    let bandFloats = whole((min(bandRows, wholeTiles) + 2) * plan.rowFloats)
    let scratchFloats = whole(WinogradShape.positions * Int(FM_WINOGRAD_TILES) * (plan.paddedChannels + filterBlock))
    let pixelFloats = whole(tile * filterBlock * WinogradShape.strip)
    WorkerScratch.withFloats(bandFloats + scratchFloats + pixelFloats + filterBlock * WinogradShape.strip) { memory in
      computeWinograd(blocks: blocks, rows: rows, output, bandRows: bandRows, band: memory, scratch: memory + bandFloats,
                      pixels: memory + bandFloats + scratchFloats, planes: memory + bandFloats + scratchFloats + pixelFloats)
    }
  }

  private func computeWinograd(blocks: [FilterBlock], rows: Range<Int>, _ output: Output, bandRows: Int,
                               band: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                               pixels: UnsafeMutablePointer<Float>, planes: UnsafeMutablePointer<Float>) {
    let kernel = FM_KERNEL_AVX512
    let (tile, strip, chunks) = (WinogradShape.tileRows, WinogradShape.strip, plan.paddedChannels / plan.chunk)
    let outW = geometry.outputWidth
    let outs: [UnsafeMutablePointer<Float>?] = (0..<tile).map { pixels + $0 * filterBlock * strip }
    // Of each block, only the vectors of filters that hold wanted ones (the writer asks for the maps of a
    // layer too large to hold whole in groups, which may be smaller than a block).
    let vector = Self.winogradVector
    let computedBlocks = blocks.map { block -> FilterBlock in
      let wanted = block.filters.clamped(to: output.filters)
      let first = (wanted.lowerBound - block.filters.lowerBound) / vector * vector
      let end = min(block.width, (wanted.upperBound - block.filters.lowerBound + vector - 1) / vector * vector)
      return FilterBlock(group: 0, filters: (block.filters.lowerBound + first)..<min(block.filters.upperBound, block.filters.lowerBound + end),
                         width: end - first, weightOffset: block.weightOffset + first)
    }
    for first in stride(from: rows.lowerBound, to: rows.upperBound, by: bandRows) {
      let last = min(rows.upperBound, first + bandRows)
      // Output rows first..<last, in whole tiles, read padded rows first..<(that + 2).
      let paddedEnd = first + (last - first + tile - 1) / tile * tile + 2
      for py in first..<paddedEnd { plan.writeRow(py, of: source, into: band + (py - first) * plan.rowFloats) }
      for x0 in stride(from: 0, to: roundedWidth, by: strip) {
        let width = min(strip, roundedWidth - x0)
        let columns = x0..<min(x0 + width, outW)
        guard !columns.isEmpty else { continue }
        for oy in stride(from: first, to: last, by: tile) {
          let inputRows: [UnsafePointer<Float>?] = (0..<WinogradShape.inputRows).map {
            UnsafePointer(band + (oy - first + $0) * plan.rowFloats + x0 * plan.chunk)
          }
          for (block, whole) in zip(computedBlocks, blocks) {
            packed.withUnsafeBufferPointer { packed in
              fm_winograd_rows(Int32(block.width / vector), inputRows, Int32(chunks), plan.width * plan.chunk, Int32(width),
                               packed.baseAddress! + block.weightOffset, Int32(whole.width), scratch, outs)
            }
            for (i, rowPixels) in outs.enumerated() where oy + i < last {
              fm_pixels_to_planes(kernel, rowPixels!, Int32(block.width), Int32(width), planes, strip)
              finishBlock(kernel, block, planes: planes, planeStride: strip, y: oy + i, columns: columns, output)
            }
          }
        }
      }
    }
  }
}
