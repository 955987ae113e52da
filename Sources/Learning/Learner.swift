import Basics
import FilterBanks
import Foundation
import ImageCodecs
import WeightsFiles

/// `featuremaps learn`: patches from pictures, contrast-normalised, whitened, clustered by spherical
/// k-means, folded into a bank (Coates, Lee and Ng 2011; Coates and Ng 2012).
///
/// The same pictures, options and seed give the same bank, byte for byte, whatever `threads` is: patches
/// are drawn from per-picture streams of the seed, and every sum over patches is taken in a fixed number of
/// pieces added in a fixed order.
public struct Learner: Sendable {
  public struct Options: Sendable {
    public var filters = 32
    public var size = 7
    public var patches = 100_000
    public var seed: UInt64 = 1
    public var iterations = 10
    public var whiten = true
    /// Added to each eigenvalue of the covariance before its inverse square root: Coates and Ng's 0.1 for
    /// contrast-normalised patches.
    public var epsilon = 0.1
    public var input = FilterBank.Input.rgb
    public var layout = LearnedBank.Layout()
    public var threads = ProcessorCount.active
    public var decoder = PictureDecoder()
    public init() {}
  }

  /// Where the work is, for a progress line.
  public enum Phase: Sendable {
    case sampling(pictures: Int)
    case whitening
    case clustering(iteration: Int, of: Int)
  }

  public var options: Options
  public var progress: @Sendable (Phase) -> Void = { _ in }

  public init(options: Options) { self.options = options }

  /// Patches from the pictures at `paths`, as many from each as its share of all patch positions; a
  /// picture that cannot be read is left out and named in `failures` (one line each), as the main command
  /// goes on past a damaged picture. Refused when no patch or fewer than `filters` patches remain.
  public func samplePatches(paths: [String]) throws(LearnError) -> (patches: Patches, failures: [String]) {
    guard !paths.isEmpty else { throw LearnError("no pictures to learn from", isUsage: true) }
    var readable: [String] = []
    var sizes: [(width: Int, height: Int)] = []
    var failures: [String] = []
    for path in paths {
      guard let size = PictureHeader.dimensions(path: path) else {
        failures.append("\(path): not a JPEG or PNG picture")
        continue
      }
      readable.append(path)
      sizes.append(size)
    }
    guard !readable.isEmpty else { throw LearnError("none of the \(paths.count) pictures can be read: \(failures[0])", isUsage: false) }
    var sampler = PatchSampler(size: options.size, count: options.patches, seed: options.seed, input: options.input)
    sampler.decoder = options.decoder
    sampler.threads = options.threads
    let counts = try sampler.plan(sizes: sizes)
    progress(.sampling(pictures: readable.count))
    let sampled = try sampler.sample(paths: readable, counts: counts)
    failures += sampled.failures
    guard sampled.patches.count >= options.filters else {
      throw LearnError("only \(sampled.patches.count) patches remain from the pictures that could be read, fewer than the \(options.filters) filters asked", isUsage: false)
    }
    return (sampled.patches, failures)
  }

  /// The bank learned from `patches` (raw, as sampled).
  public func learn(from raw: Patches, name: String, description: String, source: FilterBank.Source) -> FilterBank {
    var patches = raw
    patches.normalizeContrast(threads: options.threads)
    progress(.whitening)
    let whitening = options.whiten
      ? Whitening.zca(patches, epsilon: options.epsilon, threads: options.threads)
      : Whitening.none(mean: Whitening.mean(patches, threads: options.threads))
    whitening.apply(to: &patches, threads: options.threads)
    var kmeans = SphericalKMeans(count: options.filters, dimension: patches.dimension, seed: options.seed)
    for iteration in 0..<options.iterations {
      progress(.clustering(iteration: iteration + 1, of: options.iterations))
      kmeans.iterate(patches, threads: options.threads)
    }
    return LearnedBank.make(name: name, description: description, source: source, input: options.input, size: options.size,
                            kmeans: kmeans, whitening: whitening, layout: options.layout)
  }

  /// Patches as a NumPy file (float32, shape (M, D)), for benchmarks that start from the same patches.
  public static func save(_ patches: Patches, to path: String) throws(OutputError) {
    let bytes = patches.values.withUnsafeBufferPointer { NPYFile.bytes($0, height: patches.count, width: patches.dimension) }
    try AtomicFile.write(bytes, to: path)
  }

  /// Patches read from a NumPy file of shape (M, channels x size x size).
  public static func load(_ path: String, size: Int, channels: Int) throws(LearnError) -> Patches {
    do throws(WeightsError) {
      let reader = try WeightsFile.open(path)
      guard let first = reader.tensors.first else { throw WeightsError(file: path, reason: "holds no array") }
      let tensor = try reader.read(first.name)
      let d = channels * size * size
      guard tensor.shape.count == 2, tensor.shape[1] == d, tensor.shape[0] >= 1 else {
        throw WeightsError(file: path, reason: "holds an array of shape \(tensor.shape), not (patches, \(d)) for \(channels) channels of \(size)x\(size)")
      }
      return Patches(count: tensor.shape[0], size: size, channels: channels, values: tensor.values)
    } catch {
      throw LearnError(error.description, isUsage: false)
    }
  }
}
