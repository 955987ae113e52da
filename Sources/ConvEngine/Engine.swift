import Basics
import CConvKernels

/// The engine the command uses: the same results as `ReferenceEngine`, computed row by row on padded
/// planes, with the work split over blocks of filters and bands of output rows on several threads.
/// The inner loop runs on the widest SIMD path the CPU has (AVX-512, AVX2+FMA), chosen at run time;
/// the portable path (plain Swift) handles every shape and every CPU.
public struct Engine: Sendable {
  /// The inner loops the engine can use.
  public enum Path: String, Sendable, CaseIterable {
    /// Plain Swift, any CPU, any shape.
    case portable
    /// AVX2 + FMA, 256-bit vectors (C intrinsics).
    case avx2
    /// AVX-512, 512-bit vectors (C intrinsics).
    case avx512

    /// Whether this CPU can run the path.
    public var isSupported: Bool {
      switch self {
      case .portable: return true
      case .avx2: return fm_kernel_supported(FM_KERNEL_AVX2) != 0
      case .avx512: return fm_kernel_supported(FM_KERNEL_AVX512) != 0
      }
    }

    /// The widest path this CPU supports.
    public static let best: Path = [.avx512, .avx2].first { $0.isSupported } ?? .portable
  }

  /// Which algorithm computes a conv layer.
  public enum Algorithm: String, Sendable, CaseIterable {
    /// The direct kernels only: every multiply-add of the definition.
    case direct
    /// Faster algorithms where they pay, the direct kernels elsewhere: Winograd F(2x4, 3x3) for 3x3 stride-1
    /// layers with 8 or more input channels and FFT convolution for large kernels on few channels (AVX-512),
    /// space-to-depth for strided layers with few channels (see `PreparedConv.method`).
    case auto
  }

  /// Bands of a layer's rows computed in multiples of this many rows (from a multiple of it) give the same
  /// sums as the whole layer: Winograd's tiles are 2 rows high, and a band cuts no tile.
  public static let bandRowMultiple = WinogradShape.tileRows

  /// How many threads work on one layer at most.
  public var threads: Int
  /// The SIMD kernels to use (each layer takes the row or channels-last kernels of this path; see
  /// `PreparedConv`), or the portable loop.
  public var path: Path
  public var algorithm: Algorithm
  /// When raised, a layer under way is given up between slices of rows (its output is then incomplete:
  /// the caller checks the flag).
  public var stop: StopFlag?

  public init(threads: Int = ProcessorCount.active, path: Path = .best, algorithm: Algorithm = .auto) {
    precondition(path.isSupported, "this CPU cannot run the \(path) path")
    self.threads = max(1, threads)
    self.path = path
    self.algorithm = algorithm
  }

  /// Which algorithm computes `layer` (empty for a layer that is not a convolution), for --timings.
  public func algorithmName(of layer: Layer) -> String {
    guard case .conv(let conv) = layer else { return "" }
    return PreparedConv.algorithmName(of: conv, path: path, algorithm: algorithm)
  }

  /// input (C, H, W), weights (F, C / groups, KH, KW), bias (F) -> output (F, OH, OW)
  public func apply(_ conv: ConvLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    let prepared = try PreparedConv(conv, input: input, layerIndex: layerIndex, path: path, algorithm: algorithm, threads: threads)
    let g = prepared.geometry
    var output = Tensor(channels: conv.filterCount, height: g.outputHeight, width: g.outputWidth)
    output.values.withUnsafeMutableBufferPointer { out in
      _ = prepared.compute(filters: 0..<conv.filterCount, rows: 0..<g.outputHeight, into: out.baseAddress!, threads: threads, stop: stop)
    }
    return output
  }

  /// input (C, H, W) -> output (C, OH, OW)
  public func apply(_ pool: PoolLayer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    let g = try LayerGeometry.of(pool, height: input.height, width: input.width, layerIndex: layerIndex)
    var output = Tensor(channels: input.channels, height: g.outputHeight, width: g.outputWidth)
    if stop?.isRaised == true { return output }
    output.values.withUnsafeMutableBufferPointer { apply(pool, geometry: g, to: input, into: $0.baseAddress!, mapStride: g.outputHeight * g.outputWidth) }
    return output
  }

  /// Pools `input` into `out`, whose maps are `mapStride` floats apart (`geometry` is the pool's on `input`).
  /// Without padding the input is read where it is (a padded copy of a band costs fresh pages).
  public func apply(_ pool: PoolLayer, geometry g: LayerGeometry, to input: Tensor, into out: UnsafeMutablePointer<Float>, mapStride: Int) {
    let fill: Float = pool.kind == .max ? -.infinity : 0
    let padded = g.padding == .none ? input : Padder.pad(input, by: g.padding, constant: fill, threads: threads)
    let (outH, outW, inH, inW) = (g.outputHeight, g.outputWidth, padded.height, padded.width)
    let (sizeY, sizeX, strideY, strideX) = (pool.size.y, pool.size.x, pool.stride.y, pool.stride.x)
    let isMax = pool.kind == .max
    let scale = 1 / Float(sizeY * sizeX)
    let target = UnsafeMutableSendablePointer(out)
    padded.values.withUnsafeBufferPointer { source in
      let source = source.baseAddress!
      // Work items are (channel, band of rows), so that a band of few channels still uses every thread.
      let bands = max(1, min(outH, (threads * 4 + input.channels - 1) / max(1, input.channels)))
      Parallel.forEach(input.channels * bands, threads: threads) { item in
        let (c, band) = (item / bands, item % bands)
        let map = target.pointer + c * mapStride
        for oy in (outH * band / bands)..<(outH * (band + 1) / bands) {
          let result = map + oy * outW
          let top = source + (c * inH + oy * strideY) * inW
          // The window's first row, then the others folded in, a row of outputs at a time (vectorizable).
          for ox in 0..<outW {
            var value = top[ox * strideX]
            for kx in 1..<max(1, sizeX) { value = isMax ? max(value, top[ox * strideX + kx]) : value + top[ox * strideX + kx] }
            result[ox] = value
          }
          for ky in 1..<max(1, sizeY) {
            let row = top + ky * inW
            for ox in 0..<outW {
              var value = result[ox]
              for kx in 0..<sizeX { value = isMax ? max(value, row[ox * strideX + kx]) : value + row[ox * strideX + kx] }
              result[ox] = value
            }
          }
          if !isMax { for ox in 0..<outW { result[ox] *= scale } }
        }
      }
    }
  }
}

extension Engine {
  /// Applies one layer of either kind.
  public func apply(_ layer: Layer, to input: Tensor, layerIndex: Int = 0) throws(ShapeError) -> Tensor {
    switch layer {
    case .conv(let conv): return try apply(conv, to: input, layerIndex: layerIndex)
    case .pool(let pool): return try apply(pool, to: input, layerIndex: layerIndex)
    }
  }
}
