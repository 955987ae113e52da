import Basics
import CConvKernels
import Foundation

/// FFT convolution (fft_kernels.c): when it applies, what it packs, and how the work is split.
extension PreparedConv {
  static let fftSize = Int(FM_FFT_SIZE)
  /// Input channels the FFT path takes at most: their spectra (128 KB each for a strip) stay in the L2 cache.
  static let fftMaxChannels = 4

  /// Outputs per tile side: a 32-pixel tile gives 33 - K for a K-wide kernel.
  static func fftValid(_ conv: ConvLayer) -> Int { fftSize + 1 - max(conv.kernel.x, conv.kernel.y) }

  /// The FFT path's cost per output and filter, in multiply-adds of the direct kernels: W2's 7x7x3 layer
  /// (147 of them) runs about 1.5 times faster with it (AMD EPYC, two threads, `--timings`: 0.77-0.92 s
  /// against 1.20-1.24 s), so about 100. Layers from 96 take it; between 96 and 147 it is not measured.
  static let fftBreakEven = 96

  /// The FFT path computes stride-1, undilated, ungrouped layers with kernels up to 17x17 (each tile still
  /// gives 16 or more outputs a side).
  static func fftCanTake(_ conv: ConvLayer) -> Bool {
    max(conv.kernel.x, conv.kernel.y) <= 17 && conv.stride == Pair(1) && conv.dilation == Pair(1) && conv.groups == 1
  }

  /// It pays for large kernels (5x5 and more) on few channels with enough multiply-adds per output: a
  /// learned first layer.
  static func fftApplies(_ conv: ConvLayer) -> Bool {
    fftCanTake(conv) && min(conv.kernel.x, conv.kernel.y) >= 5 && conv.inputChannels <= fftMaxChannels
      && conv.inputChannels * conv.kernel.x * conv.kernel.y >= fftBreakEven
  }

  /// Filters in pairs; per pair and channel, the 32x32 bins of (conj(A) + i conj(B)) / 32^2 for the pair's
  /// kernels A and B (B zero for a last odd filter), computed in Double, in the kernel's bit-reversed order;
  /// then the pair's biases.
  static func packFFT(_ weights: [Float], conv: ConvLayer) -> ([FilterBlock], [Float]) {
    let n = fftSize
    let (kh, kw, channels) = (conv.kernel.y, conv.kernel.x, conv.inputChannels)
    let bits = n.trailingZeroBitCount
    let reversed = (0..<n).map { i in (0..<bits).reduce(0) { $0 | ((i >> $1) & 1) << (bits - 1 - $1) } }
    let cosines = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
    let sines = (0..<n).map { sin(2 * Double.pi * Double($0) / Double(n)) }
    // conj(DFT(w))[u][v] / n^2 = sum over m of e^{+2 pi i u m / n} (sum over k of w[m][k] e^{+2 pi i v k / n}) / n^2:
    // along the rows first, then the columns (n^2 K + n K^2 terms instead of n^2 K^2, for banks of large kernels).
    func spectrum(filter f: Int, channel c: Int) -> [(re: Double, im: Double)] {
      var rows = [(re: Double, im: Double)](repeating: (0, 0), count: kh * n)  // [m][v]
      for m in 0..<kh {
        for v in 0..<n {
          var (re, im) = (0.0, 0.0)
          for k in 0..<kw {
            let w = Double(weights[((f * channels + c) * kh + m) * kw + k])
            re += w * cosines[(v * k) % n]
            im += w * sines[(v * k) % n]
          }
          rows[m * n + v] = (re, im)
        }
      }
      var bins = [(re: Double, im: Double)](repeating: (0, 0), count: n * n)
      for u in 0..<n {
        for v in 0..<n {
          var (re, im) = (0.0, 0.0)
          for m in 0..<kh {
            let (c, s, r) = (cosines[(u * m) % n], sines[(u * m) % n], rows[m * n + v])
            re += r.re * c - r.im * s
            im += r.re * s + r.im * c
          }
          bins[reversed[u] * n + reversed[v]] = (re / Double(n * n), im / Double(n * n))
        }
      }
      return bins
    }
    var blocks: [FilterBlock] = []
    var packed: [Float] = []
    packed.reserveCapacity((conv.filterCount + 1) / 2 * (channels * n * n * 2 + 2))
    for first in stride(from: 0, to: conv.filterCount, by: 2) {
      let filters = first..<min(first + 2, conv.filterCount)
      blocks.append(FilterBlock(group: 0, filters: filters, width: 2, weightOffset: packed.count))
      // U_c = a + i b for the pair's spectra a and b on channel c.
      let u = (0..<channels).map { c in
        let a = spectrum(filter: first, channel: c)
        let b = filters.count == 2 ? spectrum(filter: first + 1, channel: c) : [(re: Double, im: Double)](repeating: (0, 0), count: n * n)
        return zip(a, b).map { (re: $0.re - $1.im, im: $0.im + $1.re) }
      }
      for c in stride(from: 0, to: channels - 1, by: 2) {
        for (u0, u1) in zip(u[c], u[c + 1]) {
          // P = (U_c - i U_c+1) / 2, Q = (U_c + i U_c+1) / 2
          packed += [Float((u0.re + u1.im) / 2), Float((u0.im - u1.re) / 2), Float((u0.re - u1.im) / 2), Float((u0.im + u1.re) / 2)]
        }
      }
      if channels % 2 == 1 {
        for bin in u[channels - 1] { packed += [Float(bin.re), Float(bin.im)] }
      }
      packed += [conv.bias[first], filters.count == 2 ? conv.bias[first + 1] : 0]
    }
    return (blocks, packed)
  }

  /// Work items are strips of 16 tiles (one tile row high), in bands; each band keeps its scratch and pads
  /// the 32 input rows of the tile row it is in (all strips of the row, in the (rows, C, W) layout) into a
  /// buffer of its own, instead of reading a padded copy of the whole input (145 MB for W2, whose first
  /// touch on this project's VM took 0.1 to 0.4 s; the gabor layer on W2's photo: 0.163-0.257 s against
  /// 0.185-0.352 s, six alternating runs each). The kernel writes sums plus bias into the output; the
  /// activation follows in place.
  func computeFFT(blocks: [FilterBlock], rows: Range<Int>, _ output: Output, threads: Int) {
    guard let first = blocks.first else { return }
    let valid = Self.fftValid(computed)
    let stripWidth = 16 * valid
    let strips = roundedWidth / stripWidth
    let tileRows = (rows.lowerBound / valid)..<((rows.upperBound - 1) / valid + 1)
    let items = tileRows.count * strips
    let bands = min(items, threads * 8)
    let channels = computed.inputChannels
    let (outW, rowFloats, paddedWidth) = (geometry.outputWidth, plan.rowFloats, plan.width)
    // The pairs' filters, nil where a filter is not wanted (or past the last).
    let filters = blocks.flatMap { [$0.filters.lowerBound, $0.filters.lowerBound + 1] }
      .map { output.filters.contains($0) && $0 < computed.filterCount ? $0 : nil }
    Parallel.forEach(bands, threads: threads) { band in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (2 + 2 * ((channels + 1) / 2)) * Self.fftSize * (Self.fftSize + 1) * 16)
      let tileRow = UnsafeMutablePointer<Float>.allocate(capacity: Self.fftSize * rowFloats)
      var held = -1  // the first input row of the tile row `tileRow` holds
      defer {
        scratch.deallocate()
        tileRow.deallocate()
      }
      packed.withUnsafeBufferPointer { packed in
        for item in (items * band / bands)..<(items * (band + 1) / bands) {
          let y0 = (tileRows.lowerBound + item / strips) * valid
          if y0 != held {
            for r in 0..<Self.fftSize { plan.writeRow(y0 + r, of: source, into: tileRow + r * rowFloats) }
            held = y0
          }
          let x0 = (item % strips) * stripWidth
          let wantedRows = max(y0, rows.lowerBound)..<min(y0 + valid, rows.upperBound)
          let columns = min(stripWidth, outW - x0)
          let planes: [UnsafePointer<Float>?] = (0..<channels).map { c in UnsafePointer(tileRow + c * paddedWidth + x0) }
          let outs: [UnsafeMutablePointer<Float>?] = filters.map { f in
            f.map { output.row(filter: $0, y: wantedRows.lowerBound, width: outW) + x0 }
          }
          planes.withUnsafeBufferPointer { planes in
            outs.withUnsafeBufferPointer { outs in
              var args = fm_fft_args(
                planes: planes.baseAddress!, row_stride: rowFloats, channels: Int32(channels), valid: Int32(valid),
                spectra: packed.baseAddress! + first.weightOffset, pairs: Int32(blocks.count),
                first_row: Int32(wantedRows.lowerBound - y0), rows: Int32(wantedRows.upperBound - y0), columns: Int32(columns),
                outs: outs.baseAddress!, out_row_stride: outW, scratch: scratch)
              fm_fft_strip(&args)
            }
          }
          guard computed.activation != .none else { continue }
          for f in filters.compactMap({ $0 }) {
            for y in wantedRows {
              let row = output.row(filter: f, y: y, width: outW) + x0
              finish(row, into: row, count: columns, bias: 0, filter: f)
            }
          }
        }
      }
    }
  }
}
