import TestSupport
import XCTest

@testable import ConvEngine

/// Cases from the literature, exact.
final class GoldenCaseTests: XCTestCase {
  let engine = Engine(threads: 2)

  /// input (1, 2, 3, 3) holding 0...17; conv1 = conv2: 2 filters of 2x2 with constant kernels 0.25 and 0.5
  /// (filter 0, channels 0 and 1) and 1 and 2 (filter 1), no bias.
  func testTwoLayerPyTorchExample() throws {
    func constant(_ v: Float) -> [Float] { [Float](repeating: v, count: 4) }
    let conv = ConvLayer(inputChannels: 2, filterCount: 2, kernel: Pair(2),
                         weights: constant(0.25) + constant(0.5) + constant(1) + constant(2))
    let input = Tensor(channels: 2, height: 3, width: 3, values: (0..<18).map(Float.init))
    let first = try engine.apply(conv, to: input)
    let outputs = [first, try engine.apply(conv, to: first)]
    XCTAssertEqual(outputs[0].values, [24, 27, 33, 36, 96, 108, 132, 144])
    XCTAssertEqual(outputs[1].values, [270, 1080])
    XCTAssertEqual(try ReferenceEngine.run([.conv(conv), .conv(conv)], on: input), outputs)
  }

  /// A 9x9x5 input with 56 filters of 4x4, stride 1, valid: 6x6x56 maps.
  func testValidConvolutionShape() throws {
    let conv = ConvLayer(inputChannels: 5, filterCount: 56, kernel: Pair(4), weights: [Float](repeating: 1, count: 56 * 5 * 16))
    let output = try engine.apply(conv, to: Tensor(channels: 5, height: 9, width: 9, repeating: 1))
    XCTAssertEqual([output.channels, output.height, output.width], [56, 6, 6])
    XCTAssertTrue(output.values.allSatisfy { $0 == 80 })  // 5 channels x 16 taps, summed
  }

  /// CS231n's demo: input 5x5x3, 2 filters of 3x3, stride 2, padding 1: 3x3x2.
  func testCS231nDemoShape() throws {
    var rng = SeededRandom(seed: 231)
    let conv = ConvLayer(inputChannels: 3, filterCount: 2, kernel: Pair(3), weights: rng.floats(54), bias: [1, 0],
                         stride: Pair(2), padding: .fixed(Padding(top: 1, left: 1, bottom: 1, right: 1)))
    let input = Tensor.random(channels: 3, height: 5, width: 5, &rng)
    let output = try engine.apply(conv, to: input)
    XCTAssertEqual([output.channels, output.height, output.width], [2, 3, 3])
    // Output (f, 1, 1) reads input rows and columns 1...3 of every channel.
    var expected = Double(conv.bias[1])
    for c in 0..<3 {
      for ky in 0..<3 {
        for kx in 0..<3 { expected += Double(conv.weights[((1 * 3 + c) * 3 + ky) * 3 + kx]) * Double(input[c, 1 + ky, 1 + kx]) }
      }
    }
    XCTAssertEqual(Double(output[1, 1, 1]), expected, accuracy: 1e-5)
  }

  /// A 9-sample signal, a 3-tap kernel, same padding: the result is a banded Toeplitz matrix times the signal.
  func testOneDimensionalCaseIsAToeplitzMatrix() throws {
    let signal: [Float] = [3, -1, 4, 1, -5, 9, 2, -6, 5]
    let (k1, k2, k3): (Float, Float, Float) = (0.5, -2, 0.25)
    let conv = ConvLayer(inputChannels: 1, filterCount: 1, kernel: Pair(1, 3), weights: [k1, k2, k3], padding: .same)
    let output = try engine.apply(conv, to: Tensor(channels: 1, height: 1, width: 9, values: signal))
    var matrix = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 9)
    for i in 0..<9 {
      if i > 0 { matrix[i][i - 1] = Double(k1) }
      matrix[i][i] = Double(k2)
      if i < 8 { matrix[i][i + 1] = Double(k3) }
    }
    let product = matrix.map { row in zip(row, signal).reduce(0.0) { $0 + $1.0 * Double($1.1) } }
    XCTAssertEqual(output.values.map(Double.init), product)
  }

  /// Flip computes true convolution: the kernel turned 180 degrees.
  func testFlipTurnsTheKernel() throws {
    let impulse = Tensor(channels: 1, height: 3, width: 3, values: [0, 0, 0, 0, 1, 0, 0, 0, 0])
    let kernel: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    let correlation = try engine.apply(ConvLayer(inputChannels: 1, filterCount: 1, kernel: Pair(3), weights: kernel, padding: .same), to: impulse)
    let convolution = try engine.apply(ConvLayer(inputChannels: 1, filterCount: 1, kernel: Pair(3), weights: kernel, padding: .same, flip: true), to: impulse)
    XCTAssertEqual(correlation.values, kernel.reversed())  // correlation of an impulse shows the kernel turned
    XCTAssertEqual(convolution.values, kernel)  // convolution of an impulse shows the kernel itself
  }

  /// Depthwise (groups == channels): one kernel per channel and no sum across channels.
  func testDepthwiseDoesNotSumAcrossChannels() throws {
    let input = Tensor(channels: 2, height: 1, width: 1, values: [3, 5])
    let depthwise = ConvLayer(inputChannels: 2, filterCount: 2, kernel: Pair(1), weights: [1, 1], groups: 2)
    XCTAssertEqual(try engine.apply(depthwise, to: input).values, [3, 5])
    let full = ConvLayer(inputChannels: 2, filterCount: 2, kernel: Pair(1), weights: [1, 1, 1, 1])
    XCTAssertEqual(try engine.apply(full, to: input).values, [8, 8])
  }

  /// Shifting the input shifts every map by the same amount, away from the borders (weight sharing).
  func testTranslationEquivariance() throws {
    for seed in UInt64(1)...40 {
      var rng = SeededRandom(seed: seed)
      let side = Int.random(in: 1...5, using: &rng)
      let conv = ConvLayer(inputChannels: 3, filterCount: 4, kernel: Pair(side), weights: rng.floats(4 * 3 * side * side),
                           bias: rng.floats(4), padding: .same, activation: .relu)
      let (h, w, dy, dx) = (20, 24, Int.random(in: 0...4, using: &rng), Int.random(in: 0...4, using: &rng))
      let input = Tensor.random(channels: 3, height: h, width: w, &rng)
      var shifted = Tensor.random(channels: 3, height: h, width: w, &rng)  // the uncovered border gets new values
      for c in 0..<3 {
        for y in dy..<h {
          for x in dx..<w { shifted[c, y, x] = input[c, y - dy, x - dx] }
        }
      }
      let a = try engine.apply(conv, to: input)
      let b = try engine.apply(conv, to: shifted)
      let margin = side
      for f in 0..<4 {
        for y in (dy + margin)..<(h - margin) {
          for x in (dx + margin)..<(w - margin) {
            XCTAssertEqual(b[f, y, x], a[f, y - dy, x - dx], accuracy: 1e-5, "seed \(seed) at (\(f), \(y), \(x))")
          }
        }
      }
    }
  }

  func testPaddingModesFillAsDocumented() {
    // a b c d = indices 0 1 2 3, padded by 3 on the left.
    func left(_ mode: PaddingMode) -> [Int?] { (-3 ..< 0).map { mode.sourceIndex($0, side: 4) } }
    XCTAssertEqual(left(.zeros), [nil, nil, nil])
    XCTAssertEqual(left(.reflect), [3, 2, 1])  // d c b
    XCTAssertEqual(left(.replicate), [0, 0, 0])  // a a a
    XCTAssertEqual(left(.circular), [1, 2, 3])  // b c d
    XCTAssertEqual(left(.symmetric), [2, 1, 0])  // c b a
  }

  /// The interior (pixels no padding reached) is carried through the layers.
  func testInteriorCountsThePaddingOfEveryEarlierLayer() throws {
    let conv = ConvLayer(inputChannels: 1, filterCount: 1, kernel: Pair(3), weights: [Float](repeating: 1, count: 9), padding: .same)
    let geometries = try LayerGeometry.chain([.conv(conv), .pool(PoolLayer(kind: .max, size: Pair(2)))], height: 10, width: 12)
    // The conv leaves out its outermost rows and columns; a pooled pixel is clean when both of its inputs are.
    XCTAssertEqual(geometries.map { [$0.interiorRows, $0.interiorColumns] }, [[1..<9, 1..<11], [1..<4, 1..<5]])
    XCTAssertEqual(geometries.map { [$0.outputHeight, $0.outputWidth] }, [[10, 12], [5, 6]])
  }

  func testSamePaddingIsSameUpper() {
    // Kernel 4, stride 1: 3 pixels of padding, the odd one at the bottom/right.
    XCTAssertEqual(PaddingRule.same.resolve(height: 10, width: 10, kernel: Pair(4), stride: Pair(1), dilation: Pair(1)),
                   Padding(top: 1, left: 1, bottom: 2, right: 2))
    // Stride 2 on 7: ceil(7 / 2) = 4 outputs need (4 - 1) * 2 + 3 - 7 = 2 pixels.
    XCTAssertEqual(PaddingRule.same.resolve(height: 7, width: 7, kernel: Pair(3), stride: Pair(2), dilation: Pair(1)),
                   Padding(top: 1, left: 1, bottom: 1, right: 1))
  }
}

/// Partial maps: each filter's per-channel correlations, summed with the bias, give the map before its
/// activation, for every option of the layer.
final class PartialLayerTests: XCTestCase {
  func testPartialsSumToThePreActivationMap() throws {
    for seed in UInt64(1)...200 {
      var rng = SeededRandom(seed: seed)
      let groups = [1, 1, 2, 3].randomElement(using: &rng)!
      let cpg = Int.random(in: 1...4, using: &rng)
      let filters = groups * Int.random(in: 1...3, using: &rng)
      let kernel = Pair(Int.random(in: 1...4, using: &rng), Int.random(in: 1...4, using: &rng))
      let conv = ConvLayer(
        inputChannels: groups * cpg, filterCount: filters, kernel: kernel, weights: rng.floats(filters * cpg * kernel.y * kernel.x),
        bias: rng.floats(filters), stride: Pair(Int.random(in: 1...2, using: &rng)), dilation: Pair(Int.random(in: 1...2, using: &rng)),
        groups: groups, padding: .same, paddingMode: PaddingMode.allCases.randomElement(using: &rng)!, activation: .relu,
        flip: Bool.random(using: &rng))
      let input = Tensor.random(channels: groups * cpg, height: 11, width: 9, &rng)
      var linear = conv
      linear.activation = .none
      let maps = try ReferenceEngine.apply(linear, to: input)
      let partials = try Engine(threads: 2).apply(conv.partialLayer, to: input)
      for f in 0..<filters {
        for p in 0..<(maps.height * maps.width) {
          var sum = Double(conv.bias[f])
          for ci in 0..<cpg { sum += Double(partials.values[conv.partialIndex(filter: f, channel: ci) * maps.height * maps.width + p]) }
          XCTAssertEqual(Float(sum), maps.values[f * maps.height * maps.width + p], accuracy: 1e-5, "seed \(seed), filter \(f)")
        }
      }
    }
  }
}
