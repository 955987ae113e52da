import Basics
import CConvKernels

/// Winograd F(2x4, 3x3) (winograd_kernels.c): when it applies, the transformed kernels, and the rows.
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

  /// Output rows of one tile (F(2, 3) down the rows; F(4, 3) along them).
  static let winogradTileRows = 2

  /// Down the rows, F(2, 3)'s G for the points 0, 1, -1 and infinity (Lavin and Gray's); along them, F(4,
  /// 3)'s for 0, 1, -1, 1/2, -2 and infinity: row i is (1, p, p^2) / prod over the other points q of (p - q)
  /// for point p, the last row the kernel's last tap. winograd_kernels.c has the matching input and output
  /// matrices, and why these points.
  static let winogradGRows: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
  static let winogradGColumns: [[Double]] = {
    let points: [Double] = [0, 1, -1, 0.5, -2]
    return points.enumerated().map { i, p in
      let denominator = points.enumerated().filter { $0.offset != i }.reduce(1.0) { $0 * (p - $1.element) }
      return [1, p, p * p].map { $0 / denominator }
    } + [[0, 0, 1]]
  }()

  /// Winograd's transformed kernels U = Gy g Gxt, per block of filters packed (4 x 6 positions, channels in
  /// whole chunks, 16 x vectors filters), zero past the real ones. In Double, rounded once.
  static func packWinograd(_ weights: [Float], conv: ConvLayer, filterBlock: Int) -> ([FilterBlock], [Float]) {
    let cpg = conv.channelsPerGroup
    let channels = (cpg + channelsLastFrom - 1) / channelsLastFrom * channelsLastFrom
    let (gy, gx) = (winogradGRows, winogradGColumns)
    var blocks: [FilterBlock] = []
    var packed: [Float] = []
    for first in stride(from: 0, to: conv.filterCount, by: filterBlock) {
      let filters = first..<min(first + filterBlock, conv.filterCount)
      let width = (filters.count + 15) / 16 * 16
      let offset = packed.count
      packed += [Float](repeating: 0, count: gy.count * gx.count * channels * width)
      for f in filters {
        for c in 0..<cpg {
          let k = (0..<9).map { Double(weights[(f * cpg + c) * 9 + $0]) }
          // Gy g first (4 x 3), then (Gy g) Gxt.
          let gk = gy.map { row in (0..<3).map { b in (0..<3).reduce(0.0) { $0 + row[$1] * k[$1 * 3 + b] } } }
          for i in gy.indices {
            for j in gx.indices {
              let u = (0..<3).reduce(0.0) { $0 + gk[i][$1] * gx[j][$1] }
              packed[offset + ((i * gx.count + j) * channels + c) * width + f - first] = Float(u)
            }
          }
        }
      }
      blocks.append(FilterBlock(group: 0, filters: filters, width: width, weightOffset: offset))
    }
    return (blocks, packed)
  }

  /// Columns of a strip: a strip goes down a worker's rows two output rows at a time, and each strip's
  /// sums become the output before the next, while they are in the cache.
  static let winogradStrip = 96

  /// Padded input rows a worker holds at once, about `winogradBandBytes` of them (at least 4).
  static let winogradBandBytes = 16 << 20

  /// Sub-bands of rows, each block of filters in turn per strip of columns and tile of rows: the kernel
  /// writes the block's pixels for two rows, and the wanted filters are copied out with bias and
  /// activation. Strips start on tile boundaries: the same tiles, so the same sums, as whole rows.
  func computeWinograd(blocks: [FilterBlock], rows: Range<Int>, _ output: Output) {
    let tile = Self.winogradTileRows
    let channels = plan.paddedChannels
    let bandRows = max(tile, (Self.winogradBandBytes / (plan.rowFloats * MemoryLayout<Float>.size) - 2) / tile * tile)
    let wholeTiles = (rows.count + tile - 1) / tile * tile
    // One piece of memory for the padded rows, the kernel's scratch, the pixels and the planes.
    let bandFloats = (min(bandRows, wholeTiles) + 2) * plan.rowFloats
    let scratchFloats = 24 * Int(FM_WINOGRAD_TILES) * (channels + filterBlock)
    let pixelFloats = tile * filterBlock * Self.winogradStrip
    WorkerScratch.withFloats(bandFloats + scratchFloats + pixelFloats + filterBlock * Self.winogradStrip) { memory in
      computeWinograd(blocks: blocks, rows: rows, output, bandRows: bandRows, band: memory, scratch: memory + bandFloats,
                      pixels: memory + bandFloats + scratchFloats, planes: memory + bandFloats + scratchFloats + pixelFloats)
    }
  }

  private func computeWinograd(blocks: [FilterBlock], rows: Range<Int>, _ output: Output, bandRows: Int,
                               band: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                               pixels: UnsafeMutablePointer<Float>, planes: UnsafeMutablePointer<Float>) {
    let kernel = FM_KERNEL_AVX512
    let (tile, strip, chunks) = (Self.winogradTileRows, Self.winogradStrip, plan.paddedChannels / plan.chunk)
    let outW = geometry.outputWidth
    let outs: [UnsafeMutablePointer<Float>?] = (0..<tile).map { pixels + $0 * filterBlock * strip }
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
          let inputRows: [UnsafePointer<Float>?] = (0..<(tile + 2)).map {
            UnsafePointer(band + (oy - first + $0) * plan.rowFloats + x0 * plan.chunk)
          }
          for block in blocks {
            packed.withUnsafeBufferPointer { packed in
              fm_winograd_rows(Int32(block.width / 16), inputRows, Int32(chunks), plan.width * plan.chunk, Int32(width),
                               packed.baseAddress! + block.weightOffset, scratch, outs)
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
