import Basics
import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs
import TestSupport
import XCTest

@testable import Learning

/// What k-means on whitened patches learns from pictures of known structure, and that the bank it writes
/// computes what the centroids say.
final class LearningTests: TemporaryFolderTestCase {
  /// Writes a gray PNG of `width` x `height` from `value(x, y)` in 0...1.
  func picture(_ name: String, width: Int, height: Int, _ value: (Int, Int) -> Double) throws -> String {
    let samples = (0..<(width * height)).map { UInt8((value($0 % width, $0 / width) * 255).rounded()) }
    let file = path(name)
    try samples.withUnsafeBufferPointer { (s) throws(OutputError) in try GrayPNG.write(s, width: width, height: height, to: file) }
    return file
  }

  /// R, G and B planes of saturated colour blobs (red, green, blue, yellow, cyan, magenta) on mid gray.
  func colourBlobPlanes(width: Int, height: Int, seed: UInt64) -> [Float] {
    var random = SeededRandom(seed: seed)
    let colours: [(Float, Float, Float)] = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1), (1, 0, 1)]
    var planes = [Float](repeating: 0.5, count: 3 * width * height)
    for _ in 0..<40 {
      let (cx, cy, r) = (Int.random(in: 0..<width, using: &random), Int.random(in: 0..<height, using: &random), Int.random(in: 6...14, using: &random))
      let colour = colours[Int.random(in: 0..<colours.count, using: &random)]
      for y in max(0, cy - r)..<min(height, cy + r) {
        for x in max(0, cx - r)..<min(width, cx + r) where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r {
          planes[y * width + x] = colour.0
          planes[width * height + y * width + x] = colour.1
          planes[2 * width * height + y * width + x] = colour.2
        }
      }
    }
    return planes
  }

  /// The learned filters' 2-D spectra: the share of each filter's energy (without the DC term) on the
  /// two axes (purely vertical or purely horizontal frequencies).
  func axisShare(_ kernel: ArraySlice<Float>, size k: Int) -> Double {
    var (axes, all) = (0.0, 0.0)
    let w = Array(kernel)
    for u in 0..<k {
      for v in 0..<k where u != 0 || v != 0 {
        var (re, im) = (0.0, 0.0)
        for y in 0..<k {
          for x in 0..<k {
            let angle = -2 * Double.pi * (Double(u * y) + Double(v * x)) / Double(k)
            re += Double(w[y * k + x]) * cos(angle)
            im += Double(w[y * k + x]) * sin(angle)
          }
        }
        let energy = re * re + im * im
        all += energy
        if u == 0 || v == 0 { axes += energy }
      }
    }
    return all > 0 ? axes / all : 0
  }

  func testStripesOfOnePeriodGiveVerticalAndHorizontalFilters() throws {
    var random = SeededRandom(seed: 3)
    var files: [String] = []
    for i in 0..<6 {
      let phase = Double.random(in: 0..<8, using: &random)
      files.append(try picture("stripes\(i).png", width: 96, height: 96) { x, y in
        let t = Double(i % 2 == 0 ? x : y)
        return 0.5 + 0.4 * sin(2 * Double.pi * (t + phase) / 8)
      })
    }
    var options = Learner.Options()
    // Stripes of one period in two orientations span few dimensions (a sine and a cosine each): four
    // centroids, all of them used.
    options.filters = 4
    options.size = 8
    options.patches = 20_000
    options.input = FilterBank.Input(channels: ["Y"], range: (0, 1), mean: [0], std: [1])
    let learner = Learner(options: options)
    let bank = learner.learn(from: try learner.samplePatches(paths: files).patches, name: "s", description: "", source: FilterBank.Source(members: []))
    guard case .conv(let conv) = bank.layers[0].layer else { return XCTFail("not a conv layer") }
    let shares = (0..<conv.filterCount).map { axisShare(conv.weights[($0 * 64)..<(($0 + 1) * 64)], size: 8) }
    // Energy off the axes would mean oblique structure, which these pictures do not have.
    XCTAssertEqual(shares.filter { $0 > 0.9 }.count, conv.filterCount, "axis shares: \(shares)")
    // Both orientations are learned: some filter's energy is in vertical frequencies, some in horizontal.
    let vertical = (0..<conv.filterCount).filter { f in
      let w = conv.weights[(f * 64)..<((f + 1) * 64)]
      // Variation along x (columns) for vertical stripes: rows alike.
      return (0..<8).allSatisfy { y in abs(w[w.startIndex + y * 8] - w[w.startIndex]) < 0.2 * (w.map(abs).max() ?? 1) }
    }
    XCTAssertGreaterThan(vertical.count, 0)
    XCTAssertLessThan(vertical.count, conv.filterCount)
  }

  func testColourBlobsGiveColourOpponentFilters() throws {
    // 5x5 patches of R, G, B straight from the planes (the sampler's reading of picture files is what the
    // stripes test goes through).
    let (width, height, k) = (128, 128, 5)
    var patches: [Float] = []
    var random = SeededRandom(seed: 11)
    for seed in 0..<4 {
      let planes = colourBlobPlanes(width: width, height: height, seed: UInt64(seed))
      for _ in 0..<4000 {
        let (x, y) = (Int.random(in: 0...(width - k), using: &random), Int.random(in: 0...(height - k), using: &random))
        for c in 0..<3 {
          for ky in 0..<k { for kx in 0..<k { patches.append(planes[(c * height + y + ky) * width + x + kx]) } }
        }
      }
    }
    var options = Learner.Options()
    options.filters = 12
    options.size = k
    let bank = Learner(options: options).learn(from: Patches(count: patches.count / (3 * k * k), size: k, channels: 3, values: patches),
                                               name: "c", description: "", source: FilterBank.Source(members: []))
    guard case .conv(let conv) = bank.layers[0].layer else { return XCTFail("not a conv layer") }
    // A colour-opponent filter weighs one colour against another: its channels' weight sums differ in sign.
    var opponent = 0
    for f in 0..<conv.filterCount {
      let sums = (0..<3).map { c in conv.weights[((f * 3 + c) * k * k)..<((f * 3 + c + 1) * k * k)].reduce(0, +) }
      let (high, low) = (sums.max()!, sums.min()!)
      if high > 0 && low < 0 && min(high, -low) > 0.25 * max(high, -low) { opponent += 1 }
    }
    XCTAssertGreaterThanOrEqual(opponent, conv.filterCount / 2, "\(opponent) of \(conv.filterCount) filters are colour-opponent")
  }

  /// The folded bank applied to a raw patch (the engine, valid padding) is the centroid's dot product with
  /// the whitened patch, W (x - m), before any contrast step.
  func testTheFoldedBankComputesTheCentroidsDotProductWithTheWhitenedPatch() throws {
    var random = SeededRandom(seed: 5)
    let (k, channels, count) = (5, 3, 3000)
    let raw = Patches(count: count, size: k, channels: channels, values: (0..<(count * channels * k * k)).map { _ in Float.random(in: 0...1, using: &random) })
    var options = Learner.Options()
    options.filters = 6
    options.size = k
    options.layout.padding = .fixed(.none)
    var normalized = raw
    normalized.normalizeContrast(threads: 2)
    let whitening = Whitening.zca(normalized, epsilon: options.epsilon, threads: 2)
    var whitened = normalized
    whitening.apply(to: &whitened, threads: 2)
    var kmeans = SphericalKMeans(count: options.filters, dimension: whitened.dimension, seed: 1)
    for _ in 0..<3 { kmeans.iterate(whitened, threads: 2) }
    let bank = LearnedBank.make(name: "f", description: "", source: FilterBank.Source(members: []), input: .rgb, size: k,
                                kmeans: kmeans, whitening: whitening, layout: options.layout)
    guard case .conv(let conv) = bank.layers[0].layer else { return XCTFail("not a conv layer") }
    let order = (0..<kmeans.count).sorted { kmeans.sizes[$0] > kmeans.sizes[$1] || (kmeans.sizes[$0] == kmeans.sizes[$1] && $0 < $1) }
    let d = channels * k * k
    for p in [0, 17, 2999] {
      let x = Array(raw.values[(p * d)..<((p + 1) * d)])
      let input = Tensor(channels: channels, height: k, width: k, values: x)
      let output = try Engine(threads: 1).apply(conv, to: input)
      XCTAssertEqual(output.width, 1)
      for (f, j) in order.enumerated() {
        // c . W (x - m), in Double, from the centroid and the whitening directly.
        var expected = 0.0
        for r in 0..<d {
          var whitenedValue = 0.0
          for c in 0..<d { whitenedValue += whitening.matrix[r * d + c] * (Double(x[c]) - whitening.mean[c]) }
          expected += kmeans.centroids[j * d + r] * whitenedValue
        }
        XCTAssertEqual(Double(output.values[f]), expected, accuracy: 1e-4 * max(1, abs(expected)), "patch \(p), filter \(f)")
      }
    }
  }

  /// ZCA whitening makes the patches' covariance the identity (up to epsilon's damping).
  func testWhitenedPatchesAreDecorrelated() {
    var random = SeededRandom(seed: 9)
    let (k, count) = (3, 20_000)
    // Correlated pixels: each patch is a smooth ramp plus a little noise.
    var values: [Float] = []
    for _ in 0..<count {
      let (a, b) = (Float.random(in: -1...1, using: &random), Float.random(in: -1...1, using: &random))
      for y in 0..<k { for x in 0..<k { values.append(a * Float(x) + b * Float(y) + Float.random(in: -0.3...0.3, using: &random)) } }
    }
    var patches = Patches(count: count, size: k, channels: 1, values: values)
    let whitening = Whitening.zca(patches, epsilon: 1e-6, threads: 2)
    whitening.apply(to: &patches, threads: 2)
    let d = 9
    let mean = Whitening.mean(patches, threads: 1)
    for r in 0..<d {
      for c in 0..<d {
        var sum = 0.0
        for i in 0..<count { sum += (Double(patches.values[i * d + r]) - mean[r]) * (Double(patches.values[i * d + c]) - mean[c]) }
        XCTAssertEqual(sum / Double(count), r == c ? 1 : 0, accuracy: 0.01, "covariance (\(r), \(c))")
      }
    }
  }

  func testTheSamplerSharesPatchesByAreaAndRefusesWhatCannotBeMet() throws {
    let sampler = PatchSampler(size: 5, count: 100, seed: 1, input: .rgb)
    // 16x16 and 36x36: 144 and 1024 positions of 5x5.
    XCTAssertEqual(try sampler.plan(sizes: [(16, 16), (36, 36)]), [12, 88])
    XCTAssertThrowsError(try PatchSampler(size: 40, count: 10, seed: 1, input: .rgb).plan(sizes: [(16, 16), (36, 36)])) { error in
      XCTAssertEqual("\(error)", "--size 40 is larger than every picture: no 40x40 patch fits")
    }
    XCTAssertThrowsError(try PatchSampler(size: 5, count: 5000, seed: 1, input: .rgb).plan(sizes: [(16, 16), (36, 36)])) { error in
      XCTAssertEqual("\(error)", "the pictures hold 1168 patch positions of 5x5, fewer than the 5000 patches asked (--patches)")
    }
  }
}
