import Basics
import CConvKernels

/// A conv layer bound to one input: padding resolved, the input padded in the layout its inner loop reads
/// (once, or row by row as the channels-last kernels need the rows), the weights flipped (for true
/// convolution) and packed for that loop. It computes any range of filters and output rows, so a caller
/// can produce maps in bands without holding them all.
public struct PreparedConv: @unchecked Sendable {
  /// The inner loops, by the layout of the padded input.
  enum Method: Equatable {
    /// Plain Swift on (C, H, W) planes: any CPU, any shape.
    case portable
    /// SIMD row kernels on (H, C, W): vectors of pixels, for few input channels and stride 1 along x.
    case rows(fm_kernel)
    /// SIMD channels-last kernels on chunks of 8 channels: vectors of filters, for many input channels
    /// (where the row kernels reread too many rows per tap) and any stride.
    case channelsLast(fm_kernel)
    /// Winograd F(2x4, 3x3) on the channels-last layout, two output rows at a time (AVX-512): 3x3 stride-1
    /// layers with many input channels, 3x fewer multiplications.
    case winograd
    /// FFT convolution on tiles of 32x32 pixels (AVX-512): large kernels on few channels, whose cost per
    /// output no longer grows with the kernel's area.
    case fft

    /// The algorithm and kernels, as --timings says them.
    var name: String {
      switch self {
      case .portable: return "direct, portable"
      case .rows: return "direct, row kernels"
      case .channelsLast: return "direct, channels-last kernels"
      case .winograd: return WinogradShape.name
      case .fft: return "FFT, 32x32 tiles"
      }
    }
  }

  /// Filters the inner loop computes together, and where their packed weights start.
  struct FilterBlock {
    let group: Int
    let filters: Range<Int>
    /// Filters the kernel computes (`filters` and zero-weight ones after them).
    let width: Int
    let weightOffset: Int
  }

  /// The layer as given (its output is what `compute` gives).
  public private(set) var conv: ConvLayer
  /// The layer the kernels compute: `conv`, or its stride-1 form on the input's phases (see `Polyphase`).
  let computed: ConvLayer
  let polyphase: Bool
  public private(set) var geometry: LayerGeometry
  let method: Method
  /// The padded input (the portable loop), or the input itself (the other kernels: `plan` pads the rows a
  /// worker needs).
  private(set) var source: Tensor
  private(set) var plan: PaddingPlan
  /// Where `plan` puts the padded values, and the output pixels the kernels compute together.
  let layout: PaddingPlan.Layout
  let pixelBlock: Int
  /// Weights as stored (flipped if asked), (F, C / groups, KH, KW): the portable path's.
  let weights: [Float]
  /// For the SIMD kernels, per block: (C / groups, KH, KW, width), zero-filled to the block's width and,
  /// channels-last, to whole chunks of channels.
  let packed: PackedWeights
  let blocks: [FilterBlock]
  /// Filters computed together at most.
  public let filterBlock: Int
  /// Filters computed together for any one of them wanted: ranges of maps aligned to it waste no work.
  /// Winograd computes only the vectors of 16 filters of a block that hold wanted ones.
  public var filterGranule: Int { method == .winograd ? Self.winogradVector : filterBlock }
  /// Output row width rounded up to the kernels' pixel block.
  private(set) var roundedWidth: Int
  /// Input channels given to a row kernel at a time: fewer rows read at once stay in the cache.
  static let rowKernelChannels = 8
  /// Input channels from which the channels-last kernels win: a whole chunk. Measured with 3x3 kernels and 64
  /// filters, one thread, AVX-512: with 8 channels, 111 GFLOP/s against the row kernel's 99.
  static let channelsLastFrom = Int(FM_CHANNEL_CHUNK)
  /// Packed weights a channels-last call reads at most, so that they stay in the L2 cache.
  static let channelsLastWeightBytes = 128 * 1024

  /// The tests' way of holding a faster algorithm to the reference on every layer it can compute, not only
  /// where the cost model takes it.
  enum Forcing: Sendable { case none, winograd, fft, spaceToDepth }

  /// `threads`: how many threads the preparation (padded or rearranged copies of the input) may use.
  public init(_ conv: ConvLayer, input: Tensor, layerIndex: Int = 0, path: Engine.Path = .best,
              algorithm: Engine.Algorithm = .auto, threads: Int = ProcessorCount.active) throws(ShapeError) {
    try self.init(conv, input: input, layerIndex: layerIndex, path: path, algorithm: algorithm, forcing: .none, threads: threads)
  }

  init(_ conv: ConvLayer, input: Tensor, layerIndex: Int = 0, path: Engine.Path = .best, algorithm: Engine.Algorithm = .auto,
       forcing: Forcing, threads: Int = ProcessorCount.active) throws(ShapeError) {
    precondition(input.channels == conv.inputChannels)
    let g = try LayerGeometry.of(conv, height: input.height, width: input.width, layerIndex: layerIndex)
    self.conv = conv
    geometry = g
    let correlated = conv.flip ? Self.turned(conv) : conv.weights
    var (layer, input, padding) = (conv, input, g.padding)
    switch forcing {
    case .none: polyphase = Self.polyphasePays(conv, path: path, algorithm: algorithm)
    case .spaceToDepth: polyphase = path != .portable && Polyphase.canTake(conv)
    case .winograd, .fft: polyphase = false
    }
    if polyphase {
      let phased = Polyphase(conv, weights: correlated)
      (layer, input, padding) = (phased.layer, phased.phases(of: input, geometry: g, threads: threads), Padding.none)
    }
    computed = layer
    weights = polyphase ? layer.weights : correlated
    switch forcing {
    case .winograd where path == .avx512 && Self.winogradCanTake(layer): method = .winograd
    case .fft where path == .avx512 && Self.fftCanTake(layer): method = .fft
    case .none: method = Self.method(for: layer, path: path, algorithm: algorithm, phased: polyphase)
    default: method = Self.method(for: layer, path: path, algorithm: .direct, phased: polyphase)
    }
    var pixelBlock: Int
    var layout = PaddingPlan.Layout.planes
    switch method {
    case .portable:
      filterBlock = 1
      pixelBlock = 1
    case .rows(let kernel):
      filterBlock = Int(fm_kernel_filter_block(kernel))
      pixelBlock = Int(fm_kernel_pixel_block(kernel))
      layout = .rowsInterleaved
    case .channelsLast(let kernel):
      filterBlock = Int(fm_kernel_lanes(kernel) * fm_kernel_max_vectors(kernel))
      pixelBlock = Int(fm_kernel_pixel_block(kernel))
      layout = .channelChunks(groups: layer.groups, chunk: Self.channelsLastFrom)
    case .fft:
      filterBlock = 2
      pixelBlock = 16 * Self.fftValid(layer)
      layout = .rowsInterleaved
    case .winograd:
      filterBlock = 64
      // Whole calls of the kernel, and whole vectors for the transpose into planes.
      pixelBlock = WinogradShape.pixelBlock
      layout = .channelChunks(groups: 1, chunk: Self.channelsLastFrom)
    }
    self.layout = layout
    self.pixelBlock = pixelBlock
    (roundedWidth, plan, source) = Self.bind(input, padding: padding, geometry: g, layer: layer, method: method, layout: layout,
                                             pixelBlock: pixelBlock, threads: threads)
    let values: [Float]
    switch method {
    case .winograd: (blocks, values) = Self.packWinograd(weights, conv: layer, filterBlock: filterBlock)
    case .fft: (blocks, values) = Self.packFFT(weights, conv: layer)
    default: (blocks, values) = Self.pack(weights, conv: layer, method: method, filterBlock: filterBlock)
    }
    packed = PackedWeights(values)
  }

  /// The same layer and packed weights on another input as wide as this one, with other top and bottom
  /// padding: a band of an inner layer's rows (see `Pipeline.LayerBands`), without packing the weights
  /// again. A layer computed on its input's phases is prepared whole again (its phases are of the input).
  public func bound(to input: Tensor, padding: Padding, layerIndex: Int, threads: Int) throws(ShapeError) -> PreparedConv {
    var conv = self.conv
    conv.padding = .fixed(padding)
    guard !polyphase, input.width == geometry.inputWidth, input.channels == conv.inputChannels else {
      return try PreparedConv(conv, input: input, layerIndex: layerIndex, path: pathOfMethod, algorithm: .auto, threads: threads)
    }
    var bound = self
    bound.conv = conv
    bound.geometry = try LayerGeometry.of(conv, height: input.height, width: input.width, layerIndex: layerIndex)
    (bound.roundedWidth, bound.plan, bound.source) = Self.bind(
      input, padding: bound.geometry.padding, geometry: bound.geometry, layer: conv, method: method, layout: layout,
      pixelBlock: pixelBlock, threads: threads)
    return bound
  }

  /// The layer and its packed weights without its input (which it would otherwise keep alive), for
  /// `bound(to:padding:layerIndex:threads:)` later.
  public var withoutInput: PreparedConv {
    var kept = self
    kept.source = Tensor(channels: source.channels, height: 0, width: 0, values: [])
    return kept
  }

  /// The path whose kernels `method` runs.
  private var pathOfMethod: Engine.Path {
    switch method {
    case .portable: return .portable
    case .rows(let kernel), .channelsLast(let kernel): return kernel == FM_KERNEL_AVX512 ? .avx512 : .avx2
    case .winograd, .fft: return .avx512
    }
  }

  /// What binds a layer to its input: the rounded output width, the padding plan and the source the
  /// kernels read.
  private static func bind(_ input: Tensor, padding: Padding, geometry g: LayerGeometry, layer: ConvLayer, method: Method,
                           layout: PaddingPlan.Layout, pixelBlock: Int, threads: Int) -> (Int, PaddingPlan, Tensor) {
    let roundedWidth = (g.outputWidth + pixelBlock - 1) / pixelBlock * pixelBlock
    // Columns and rows the kernels read past the last output, zero: whole pixel blocks, and whole tiles
    // (Winograd's are two rows high, the FFT's `fftValid` rows, and square, as wide as the kernel's longer
    // side needs).
    let tileHeight = method == .winograd ? WinogradShape.tileRows : method == .fft ? Self.fftValid(layer) : 1
    let longer = method == .fft ? max(layer.kernel.x, layer.kernel.y) : 0
    let extraRight = (roundedWidth - g.outputWidth) * layer.stride.x + max(0, longer - layer.kernel.x)
    let extraBottom = (g.outputHeight + tileHeight - 1) / tileHeight * tileHeight - g.outputHeight + max(0, longer - layer.kernel.y)
    let plan = PaddingPlan(input, padding: padding, mode: layer.paddingMode, extraRight: extraRight,
                           extraBottom: extraBottom, layout: layout)
    switch method {
    case .portable: return (roundedWidth, plan, plan.isIdentity ? input : plan.tensor(from: input, threads: threads))
    // `plan` pads the rows a worker needs: a band at a time for the row kernels and the FFT's tile rows,
    // into a ring for the others.
    case .rows, .fft, .channelsLast, .winograd: return (roundedWidth, plan, input)
    }
  }

  /// The fastest loop for the layer on `path`. A layer on its input's phases (`phased`) has few channels
  /// and takes the row kernels, which do not pad channels to whole chunks (or Winograd's, where it applies).
  static func method(for conv: ConvLayer, path: Engine.Path, algorithm: Engine.Algorithm = .auto, phased: Bool = false) -> Method {
    let kernel: fm_kernel
    switch path {
    case .portable: return .portable
    case .avx2: kernel = FM_KERNEL_AVX2
    case .avx512: kernel = FM_KERNEL_AVX512
    }
    if algorithm == .auto && path == .avx512 && Self.winogradApplies(conv) { return .winograd }
    if algorithm == .auto && path == .avx512 && Self.fftApplies(conv) { return .fft }
    if phased { return .rows(kernel) }
    return conv.channelsPerGroup >= channelsLastFrom || conv.stride.x != 1 ? .channelsLast(kernel) : .rows(kernel)
  }

  /// Whether the layer is computed on its input's phases (`Polyphase`): a faster algorithm, so not with
  /// `.direct`, and for the SIMD kernels' chunks of channels.
  static func polyphasePays(_ conv: ConvLayer, path: Engine.Path, algorithm: Engine.Algorithm) -> Bool {
    algorithm == .auto && path != .portable && Polyphase.pays(for: conv, chunk: channelsLastFrom)
  }

  /// The algorithm and kernels that compute `conv`, as --timings says them.
  static func algorithmName(of conv: ConvLayer, path: Engine.Path, algorithm: Engine.Algorithm) -> String {
    guard polyphasePays(conv, path: path, algorithm: algorithm) else { return method(for: conv, path: path, algorithm: algorithm).name }
    let phased = Polyphase(conv, weights: [Float](repeating: 0, count: conv.weights.count))
    return "space-to-depth, " + method(for: phased.layer, path: path, algorithm: algorithm, phased: true).name
  }

  /// Computes output (filters.count, rows.count, OW) into `out`, bias and activation included.
  /// `mapStride`: floats from one map's first row to the next map's (rows.count x OW when nil): a caller
  /// holding more rows of each map (a window of a layer's rows) writes new rows in place.
  public func compute(filters: Range<Int>, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, mapStride: Int? = nil,
                      threads: Int) {
    compute(filters: filters, rows: rows, Output(filters: filters, rows: rows, pointer: UnsafeMutableSendablePointer(out),
                                                 mapStride: mapStride ?? rows.count * geometry.outputWidth), threads: threads)
  }

  /// Computes rows `rows` of maps `filters` into `output`, whose rows may be more (a slice of them).
  private func compute(filters: Range<Int>, rows: Range<Int>, _ output: Output, threads: Int) {
    guard !filters.isEmpty, !rows.isEmpty, geometry.outputWidth > 0 else { return }
    let wanted = blocks.filter { $0.filters.overlaps(filters) }
    switch method {
    case .portable:
      // Work items are (filter, band of rows): the portable loop keeps one accumulator row.
      let perBlock = max(1, (threads * 4 + wanted.count - 1) / wanted.count)
      let bandRows = max(1, (rows.count + perBlock - 1) / perBlock)
      let bands = (rows.count + bandRows - 1) / bandRows
      Parallel.forEach(wanted.count * bands, threads: threads) { item in
        let band = item % bands
        let bandRange = (rows.lowerBound + band * bandRows)..<min(rows.upperBound, rows.lowerBound + (band + 1) * bandRows)
        computePortable(filter: wanted[item / bands].filters.lowerBound, rows: bandRange, output)
      }
    case .rows(let kernel), .channelsLast(let kernel):
      // Work items are bands of rows, and each row runs every block while its input rows are in the cache.
      let bands = Self.workBands(rows.count, threads: threads, atLeast: 8)
      Parallel.forEach(bands, threads: threads) { band in
        let bandRange = (rows.lowerBound + rows.count * band / bands)..<(rows.lowerBound + rows.count * (band + 1) / bands)
        computeSIMD(kernel, blocks: wanted, rows: bandRange, output)
      }
    case .winograd:
      // Bands of whole tiles of rows.
      let tile = WinogradShape.tileRows
      let tiles = (rows.count + tile - 1) / tile
      let bands = Self.workBands(tiles, threads: threads, atLeast: 4)
      Parallel.forEach(bands, threads: threads) { band in
        let first = rows.lowerBound + tile * (tiles * band / bands)
        let last = min(rows.upperBound, rows.lowerBound + tile * (tiles * (band + 1) / bands))
        computeWinograd(blocks: wanted, rows: first..<last, output)
      }
    case .fft:
      computeFFT(blocks: wanted, rows: rows, output, threads: threads)
    }
  }

  /// How many bands `units` rows (or tiles of rows) are split into for `threads`: four per thread so that
  /// uneven ones even out, but none under `atLeast` units while there are more units than threads: each
  /// band pads the rows its kernel overlaps again (a band of 2 rows of a 3x3 layer pads 4), which shows
  /// when a layer is computed a band of a few rows at a time (`Pipeline.LayerBands`).
  static func workBands(_ units: Int, threads: Int, atLeast: Int) -> Int {
    max(1, min(units, threads * 4, max(threads, units / atLeast)))
  }

  /// `compute` in slices of rows (multiples of 32 rows, about a 32nd of them), checking `stop` before each:
  /// false when it was raised before the last slice (the rows after it are not computed). So that a long
  /// layer can be given up within a fraction of a second.
  public func compute(filters: Range<Int>, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, mapStride: Int? = nil,
                      threads: Int, stop: StopFlag?) -> Bool {
    guard let stop else {
      compute(filters: filters, rows: rows, into: out, mapStride: mapStride, threads: threads)
      return true
    }
    let output = Output(filters: filters, rows: rows, pointer: UnsafeMutableSendablePointer(out),
                        mapStride: mapStride ?? rows.count * geometry.outputWidth)
    let slice = max(32, (rows.count / 32 + 31) / 32 * 32)
    for start in stride(from: rows.lowerBound, to: rows.upperBound, by: slice) {
      if stop.isRaised { return false }
      compute(filters: filters, rows: start..<min(rows.upperBound, start + slice), output, threads: threads)
    }
    return true
  }

  /// Where `compute` writes: maps `filters` x rows `rows`, each row OW wide, maps `mapStride` floats apart.
  struct Output {
    let filters: Range<Int>
    let rows: Range<Int>
    let pointer: UnsafeMutableSendablePointer<Float>
    let mapStride: Int

    func row(filter f: Int, y: Int, width: Int) -> UnsafeMutablePointer<Float> {
      pointer.pointer + (f - filters.lowerBound) * mapStride + (y - rows.lowerBound) * width
    }
  }

  // MARK: - Paths

  /// Output rows a row-kernel worker computes from one padded band of input rows: the band (430 KB for W1:
  /// 34 rows of 3 x 1058 floats) stays in the L2 cache from padding to reading, and is the same memory for
  /// every band, instead of a padded copy of the whole input touched once (8 rows a band measured slower).
  static let rowKernelBandRows = 32

  /// For each row, each block of filters: the kernel writes the block's rows into `planes`, and the wanted
  /// filters are copied out with bias and activation. The row kernels read bands of padded rows, the
  /// channels-last kernels a ring of them.
  private func computeSIMD(_ kernel: fm_kernel, blocks: [FilterBlock], rows: Range<Int>, _ output: Output) {
    if method == .rows(kernel) {
      let (sy, span) = (computed.stride.y, (computed.kernel.y - 1) * computed.dilation.y + 1)
      let bandFloats = ((Self.rowKernelBandRows - 1) * sy + span) * plan.rowFloats
      // The band of padded rows, then the planes (the kernel writes every value before reading it).
      WorkerScratch.withFloats(bandFloats + filterBlock * roundedWidth) { band in
        let planes = band + bandFloats
        packed.withUnsafeBufferPointer { packed in
          for first in stride(from: rows.lowerBound, to: rows.upperBound, by: Self.rowKernelBandRows) {
            let bandRows = first..<min(rows.upperBound, first + Self.rowKernelBandRows)
            let firstInput = first * sy
            for py in firstInput..<((bandRows.upperBound - 1) * sy + span) {
              plan.writeRow(py, of: source, into: band + (py - firstInput) * plan.rowFloats)
            }
            for oy in bandRows {
              for block in blocks {
                rowKernel(kernel, block: block, inputRow: oy * sy - firstInput, band: band, weights: packed.baseAddress! + block.weightOffset,
                          into: planes)
                finishBlock(kernel, block, planes: planes, y: oy, output)
              }
            }
          }
        }
      }
      return
    }
    var planes = [Float](repeating: 0, count: filterBlock * roundedWidth)
    let ring = RowRing(plan: plan, conv: computed)
    var pixels = [Float](repeating: 0, count: filterBlock * roundedWidth)
    packed.withUnsafeBufferPointer { packed in
      planes.withUnsafeMutableBufferPointer { planes in
        pixels.withUnsafeMutableBufferPointer { pixels in
          for oy in rows {
            let inputRows = ring.rows(for: oy, of: self.source)
            for block in blocks {
              channelsLastKernel(kernel, block: block, rows: inputRows, weights: packed.baseAddress! + block.weightOffset,
                                 pixels: pixels.baseAddress!)
              fm_pixels_to_planes(kernel, pixels.baseAddress!, Int32(block.width), Int32(roundedWidth), planes.baseAddress!, roundedWidth)
              finishBlock(kernel, block, planes: planes.baseAddress!, y: oy, output)
            }
          }
        }
      }
    }
  }

  /// The wanted filters of a block's rows in `planes`, with bias and activation, into the output (ReLU and
  /// no activation by the C kernel, with stores that skip the cache).
  func finishBlock(_ kernel: fm_kernel, _ block: FilterBlock, planes: UnsafePointer<Float>, y: Int, _ output: Output) {
    finishBlock(kernel, block, planes: planes, planeStride: roundedWidth, y: y, columns: 0..<geometry.outputWidth, output)
  }

  /// The same for output columns `columns` of row `y`, whose sums start each plane (`planeStride` apart).
  func finishBlock(_ kernel: fm_kernel, _ block: FilterBlock, planes: UnsafePointer<Float>, planeStride: Int, y: Int,
                   columns: Range<Int>, _ output: Output) {
    let simple = computed.activation == .none || computed.activation == .relu
    for f in block.filters.clamped(to: output.filters) {
      let sums = planes + (f - block.filters.lowerBound) * planeStride
      let out = output.row(filter: f, y: y, width: geometry.outputWidth) + columns.lowerBound
      if simple {
        fm_finish_row(kernel, sums, out, Int32(columns.count), computed.bias[f], computed.activation == .relu ? 1 : 0)
      } else {
        finish(sums, into: out, count: columns.count, bias: computed.bias[f], filter: f)
      }
    }
    if simple { fm_store_fence() }
  }

  /// One output row of a block with the row kernel, a chunk of input channels at a time, from a band of
  /// padded rows laid out (rows, C, W): channel c of the band's row r is at (r * C + c) * W.
  private func rowKernel(_ kernel: fm_kernel, block: FilterBlock, inputRow: Int, band: UnsafePointer<Float>,
                         weights: UnsafePointer<Float>, into planes: UnsafeMutablePointer<Float>) {
    let cpg = computed.channelsPerGroup
    let (kh, kw, width) = (computed.kernel.y, computed.kernel.x, plan.width)
    let input = band + computed.firstChannel(ofFilter: block.filters.lowerBound) * width
    for first in stride(from: 0, to: cpg, by: Self.rowKernelChannels) {
      fm_conv_row(kernel, input + first * width, Int32(min(Self.rowKernelChannels, cpg - first)), width,
                  plan.rowFloats, Int32(inputRow), weights + first * kh * kw * block.width,
                  Int32(kh), Int32(kw), Int32(computed.dilation.y), Int32(computed.dilation.x), Int32(roundedWidth), planes,
                  roundedWidth, first == 0 ? 0 : 1)
    }
  }

  /// One output row of a block with the channels-last kernel, pixel by pixel into `pixels`; the block's
  /// chunks of channels go in calls whose weights fit the L2 cache.
  private func channelsLastKernel(_ kernel: fm_kernel, block: FilterBlock, rows: [UnsafePointer<Float>],
                                  weights: UnsafePointer<Float>, pixels: UnsafeMutablePointer<Float>) {
    let chunks = plan.paddedChannels / computed.groups / plan.chunk
    let chunkWeights = plan.chunk * computed.kernel.y * computed.kernel.x * block.width
    let calls = (chunks * chunkWeights * MemoryLayout<Float>.size + Self.channelsLastWeightBytes - 1) / Self.channelsLastWeightBytes
    let chunkStride = plan.width * plan.chunk
    let vectors = Int32(block.width / Int(fm_kernel_lanes(kernel)))
    for call in 0..<calls {
      let first = chunks * call / calls
      // The rows from this call's first chunk of the block's group.
      let callRows: [UnsafePointer<Float>?] = rows.map { $0 + (block.group * chunks + first) * chunkStride }
      callRows.withUnsafeBufferPointer { callRows in
        var args = fm_pixel_args(rows: callRows.baseAddress!, chunks: Int32(chunks * (call + 1) / calls - first),
                                 chunk_stride: chunkStride, stride_x: Int32(computed.stride.x), kh: Int32(computed.kernel.y),
                                 kw: Int32(computed.kernel.x), dx: Int32(computed.dilation.x), width: Int32(roundedWidth),
                                 accumulate: call == 0 ? 0 : 1)
        fm_conv_pixels(kernel, vectors, &args, weights + first * chunkWeights, pixels)
      }
    }
  }

  /// Row by row: out_row += w * input_row for every tap, then bias and activation.
  private func computePortable(filter f: Int, rows: Range<Int>, _ output: Output) {
    let cpg = computed.channelsPerGroup
    let (kh, kw) = (computed.kernel.y, computed.kernel.x)
    let (sy, sx, dy, dx) = (computed.stride.y, computed.stride.x, computed.dilation.y, computed.dilation.x)
    let (inH, inW, outW) = (source.height, source.width, geometry.outputWidth)
    var accumulator = [Float](repeating: 0, count: outW)
    source.values.withUnsafeBufferPointer { source in
      weights.withUnsafeBufferPointer { weights in
        accumulator.withUnsafeMutableBufferPointer { accumulator in
          let acc = accumulator.baseAddress!
          let firstChannel = computed.firstChannel(ofFilter: f)
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
            finish(acc, into: output.row(filter: f, y: oy, width: outW), count: outW, bias: computed.bias[f], filter: f)
          }
        }
      }
    }
  }

  @inline(__always)
  func finish(_ sums: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int, bias: Float, filter: Int) {
    if computed.activation == .none {
      for x in 0..<count { out[x] = sums[x] + bias }
    } else {
      for x in 0..<count { out[x] = computed.activation.apply(sums[x] + bias, filter: filter) }
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

  /// The filters in blocks (per group: full blocks of `filterBlock`, the last one as narrow as the kernel
  /// allows) and their weights packed as the block's kernel reads them.
  static func pack(_ weights: [Float], conv: ConvLayer, method: Method, filterBlock: Int) -> ([FilterBlock], [Float]) {
    let (fpg, cpg, taps) = (conv.filtersPerGroup, conv.channelsPerGroup, conv.kernel.y * conv.kernel.x)
    var blocks: [FilterBlock] = []
    var packed: [Float] = []
    for group in 0..<conv.groups {
      for first in stride(from: group * fpg, to: (group + 1) * fpg, by: filterBlock) {
        let filters = first..<min(first + filterBlock, (group + 1) * fpg)
        var width = filterBlock
        var channels = cpg
        var chunk = 1
        switch method {
        case .portable:
          blocks.append(FilterBlock(group: group, filters: filters, width: 1, weightOffset: 0))
          continue
        case .rows: break
        case .winograd, .fft: preconditionFailure("Winograd's and the FFT's weights are packed by their own functions")
        case .channelsLast(let kernel):
          let lanes = Int(fm_kernel_lanes(kernel))
          width = (filters.count + lanes - 1) / lanes * lanes
          chunk = channelsLastFrom
          channels = (cpg + chunk - 1) / chunk * chunk
        }
        // Row kernels: (C, KH, KW, width). Channels-last: (chunks, KH, KW, chunk, width).
        let offset = packed.count
        packed += [Float](repeating: 0, count: channels * taps * width)
        for f in filters {
          for c in 0..<cpg {
            for t in 0..<taps {
              let slot = ((c / chunk * taps + t) * chunk + c % chunk) * width + f - first
              packed[offset + slot] = weights[(f * cpg + c) * taps + t]
            }
          }
        }
        blocks.append(FilterBlock(group: group, filters: filters, width: width, weightOffset: offset))
      }
    }
    return (blocks, packed)
  }
}

/// The padded input rows one worker needs, in the channels-last layout: each output row needs KH rows,
/// (KH - 1) x dilation + 1 apart at most, so a ring of that many keeps every row it will reuse and is
/// padded from the input once per worker (a few hundred KB that stay in the L2 cache, instead of a padded
/// copy of the whole input).
final class RowRing {
  private let plan: PaddingPlan
  private let kh, dy, sy: Int
  private let slots: UnsafeMutablePointer<Float>
  private var held: [Int]

  convenience init(plan: PaddingPlan, conv: ConvLayer) {
    self.init(plan: plan, kh: conv.kernel.y, dy: conv.dilation.y, sy: conv.stride.y)
  }

  private init(plan: PaddingPlan, kh: Int, dy: Int, sy: Int) {
    self.plan = plan
    (self.kh, self.dy, self.sy) = (kh, dy, sy)
    let count = (kh - 1) * dy + 1
    slots = .allocate(capacity: count * plan.rowFloats)
    held = [Int](repeating: -1, count: count)
  }

  deinit { slots.deallocate() }

  /// The KH padded rows output row `oy` reads, padded from `input` when not held already.
  func rows(for oy: Int, of input: Tensor) -> [UnsafePointer<Float>] {
    (0..<kh).map { ky in
      let row = oy * sy + ky * dy
      let slot = row % held.count
      let start = slots + slot * plan.rowFloats
      if held[slot] != row {
        plan.writeRow(row, of: input, into: start)
        held[slot] = row
      }
      return UnsafePointer(start)
    }
  }
}
