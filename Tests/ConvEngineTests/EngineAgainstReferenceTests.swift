import TestSupport
import XCTest

@testable import ConvEngine

/// The fast engine against the plain reference over every option, on small random cases.
final class EngineAgainstReferenceTests: XCTestCase {
  /// Float32 results agree with the Double reference to this, relative to the output's largest magnitude.
  let tolerance: Float = 1e-5

  func randomConv(_ rng: inout SeededRandom) -> (ConvLayer, Tensor) {
    let groupsChoices = [1, 1, 1, 2, 3, 4]
    var groups = groupsChoices.randomElement(using: &rng)!
    // Up to 12 channels per group: from 8 the SIMD paths use the channels-last kernels.
    let channelsPerGroup = Int.random(in: 1...12, using: &rng)
    if groups * channelsPerGroup > 24 { groups = 1 }
    let channels = groups * channelsPerGroup
    let filters = groups * Int.random(in: 1...3, using: &rng)
    var kernel = Pair(Int.random(in: 1...7, using: &rng), Int.random(in: 1...7, using: &rng))
    var stride = Pair(Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
    var dilation = Pair(Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng))
    // One case in five has the shape Winograd F(2x4, 3x3) takes (3x3, stride 1, undilated), so that the
    // sweep holds that path to the reference too (from 8 channels per group, ungrouped).
    // Another in five has a shape the FFT path takes with up to 4 channels (5x5 to 9x9, stride 1, undilated).
    switch Int.random(in: 0..<5, using: &rng) {
    case 0: (kernel, stride, dilation) = (Pair(3), Pair(1), Pair(1))
    case 1: (kernel, stride, dilation) = (Pair(Int.random(in: 5...9, using: &rng), Int.random(in: 5...9, using: &rng)), Pair(1), Pair(1))
    default: break
    }
    // Odd sizes, 1xN and Nx1 included.
    let height = [1, 2, 5, 9, 13, 17].randomElement(using: &rng)!
    let width = [1, 3, 4, 11, 16, 23].randomElement(using: &rng)!
    let padding: PaddingRule
    switch Int.random(in: 0...3, using: &rng) {
    case 0: padding = .same
    case 1: padding = .fixed(.none)
    case 2:
      let p = Int.random(in: 0...3, using: &rng)
      padding = .fixed(Padding(top: p, left: p, bottom: p, right: p))
    default:
      padding = .fixed(Padding(top: Int.random(in: 0...3, using: &rng), left: Int.random(in: 0...3, using: &rng),
                               bottom: Int.random(in: 0...3, using: &rng), right: Int.random(in: 0...3, using: &rng)))
    }
    // Every activation, fused into every path; the reference computes each in Double from its definition.
    let activations: [Activation] = [
      .none, .relu, .relu6, .leakyReLU(negativeSlope: 0.2), .sigmoid, .tanh, .silu, .hardSwish,
      .hardSigmoid(alpha: 0.2, beta: 0.5), .gelu, .geluTanh, .elu(alpha: 0.7), .mish, .clip(minimum: -0.5, maximum: 1.5),
      .prelu(slopes: [0.25]), .prelu(slopes: (0..<filters).map { Float($0) * 0.3 - 0.4 }),
    ]
    let conv = ConvLayer(
      inputChannels: channels, filterCount: filters, kernel: kernel,
      weights: rng.floats(filters * channelsPerGroup * kernel.y * kernel.x), bias: rng.floats(filters),
      stride: stride, dilation: dilation, groups: groups, padding: padding,
      paddingMode: PaddingMode.allCases.randomElement(using: &rng)!,
      activation: activations.randomElement(using: &rng)!, flip: Bool.random(using: &rng))
    return (conv, Tensor.random(channels: channels, height: height, width: width, &rng))
  }

  /// Returns the largest difference relative to the largest magnitude.
  @discardableResult
  func assertClose(_ fast: Tensor, _ reference: Tensor, _ what: @autoclosure () -> String, file: StaticString = #filePath,
                   line: UInt = #line) -> Float {
    XCTAssertEqual([fast.channels, fast.height, fast.width], [reference.channels, reference.height, reference.width], what(), file: file, line: line)
    guard fast.values.count == reference.values.count else { return .infinity }
    let scale = max(reference.values.map(abs).max() ?? 0, 1e-30)
    for i in reference.values.indices where abs(fast.values[i] - reference.values[i]) > tolerance * scale {
      XCTFail("\(what()): first difference at index \(i): engine \(fast.values[i]), reference \(reference.values[i])", file: file, line: line)
      return .infinity
    }
    return (zip(fast.values, reference.values).map { abs($0 - $1) }.max() ?? 0) / scale
  }

  func testConvMatchesReferenceOverEveryOption() {
    var checked = 0
    var refused = 0
    var winograd = 0
    var polyphase = 0
    var forcedCases: [PreparedConv.Forcing: Int] = [:]
    var fft = 0
    var worst: [String: Float] = [:]  // the largest relative error of each path and kernel kind
    for seed in UInt64(1)...3000 {
      var rng = SeededRandom(seed: seed)
      let (conv, input) = randomConv(&rng)
      let threads = seed % 2 == 0 ? 1 : 2
      let reference: Tensor
      do {
        reference = try ReferenceEngine.apply(conv, to: input)
      } catch {
        refused += 1
        XCTAssertThrowsError(try Engine(threads: threads).apply(conv, to: input), "seed \(seed)") { engineError in
          XCTAssertEqual(engineError as? ShapeError, error, "seed \(seed)")
        }
        continue
      }
      for path in Self.paths {
        for algorithm in Engine.Algorithm.allCases {
          let engine = Engine(threads: threads, path: path, algorithm: algorithm)
          let fast = try! engine.apply(conv, to: input)
          let method = "\(path), \(engine.algorithmName(of: .conv(conv)))"
          worst[method] = max(worst[method] ?? 0, assertClose(fast, reference, "seed \(seed), \(path) path, \(algorithm): \(conv.kernel) stride \(conv.stride) dilation \(conv.dilation) groups \(conv.groups) \(conv.padding) \(conv.paddingMode) input \(input.channels)x\(input.height)x\(input.width)"))
        }
        // Each faster algorithm forced on every case it can compute, not only where the cost model takes it.
        for forcing in [PreparedConv.Forcing.winograd, .fft, .spaceToDepth] {
          guard let forced = forcedOutput(conv, input, path: path, forcing: forcing, threads: threads) else { continue }
          forcedCases[forcing, default: 0] += 1
          let method = "\(path), \(forcing) forced"
          worst[method] = max(worst[method] ?? 0, assertClose(forced, reference, "seed \(seed), \(path) path, \(forcing) forced: \(conv.kernel) stride \(conv.stride) \(conv.padding) \(conv.paddingMode) input \(input.channels)x\(input.height)x\(input.width)"))
        }
        if path == .avx512, (try? PreparedConv(conv, input: input, path: path))?.method == .winograd { winograd += 1 }
        if path == .avx512, (try? PreparedConv(conv, input: input, path: path))?.method == .fft { fft += 1 }
        if path != .portable, (try? PreparedConv(conv, input: input, path: path))?.polyphase == true { polyphase += 1 }
      }
      checked += 1
    }
    XCTAssertGreaterThan(checked, 1200, "too few cases fit their input")
    for (method, error) in worst.sorted(by: { $0.key < $1.key }) {
      print("NOTE: sweep, \(method): largest difference \(error) of the largest magnitude")
    }
    if Engine.Path.avx512.isSupported { XCTAssertGreaterThan(winograd, 50, "too few cases took Winograd's path") }
    if Engine.Path.avx512.isSupported { XCTAssertGreaterThan(fft, 30, "too few cases took the FFT path") }
    print("NOTE: sweep, cases with each algorithm forced (over the SIMD paths): \(forcedCases)")
    if Engine.Path.avx512.isSupported {
      XCTAssertGreaterThan(forcedCases[.winograd] ?? 0, 200, "Winograd forced")
      XCTAssertGreaterThan(forcedCases[.fft] ?? 0, 300, "FFT forced")
    }
    if Engine.Path.avx2.isSupported { XCTAssertGreaterThan(forcedCases[.spaceToDepth] ?? 0, 30, "space-to-depth forced") }
    if Engine.Path.avx2.isSupported { XCTAssertGreaterThan(polyphase, 20, "too few cases took the space-to-depth path") }
    XCTAssertGreaterThan(refused, 10, "the refusals were not exercised")
  }

  /// Every activation fused into every kernel and algorithm: a layer each of them takes (3x3 over 8 channels
  /// for Winograd and the channels-last kernels, 7x7 over 3 for the FFT and the row kernels, stride 2 for
  /// space-to-depth), 20 filters so that PReLU's per-filter slopes cross filter blocks, against the
  /// reference's Double definitions.
  func testEveryActivationOnEveryPathAndAlgorithm() throws {
    var rng = SeededRandom(seed: 26)
    let shapes: [(channels: Int, kernel: Int, stride: Int)] = [(8, 3, 1), (3, 7, 1), (3, 7, 2)]
    let activations: [Activation] = [
      .silu, .hardSwish, .hardSigmoid(alpha: 1.0 / 6, beta: 0.5), .gelu, .geluTanh, .elu(alpha: 1), .mish,
      .clip(minimum: -1, maximum: 0.5), .prelu(slopes: [0.2]), .prelu(slopes: (0..<20).map { Float($0) / 10 - 1 }),
    ]
    var checked: [PreparedConv.Forcing: Int] = [:]
    for shape in shapes {
      let input = Tensor.random(channels: shape.channels, height: 19, width: 41, &rng)
      let weights = rng.floats(20 * shape.channels * shape.kernel * shape.kernel).map { $0 * 0.6 }
      for activation in activations {
        let conv = ConvLayer(inputChannels: shape.channels, filterCount: 20, kernel: Pair(shape.kernel), weights: weights,
                             bias: rng.floats(20), stride: Pair(shape.stride), padding: .same, activation: activation)
        let reference = try ReferenceEngine.apply(conv, to: input)
        for path in Self.paths {
          assertClose(try Engine(threads: 2, path: path, algorithm: .direct).apply(conv, to: input), reference, "\(activation), \(path), direct")
          for forcing in [PreparedConv.Forcing.winograd, .fft, .spaceToDepth] {
            guard let output = forcedOutput(conv, input, path: path, forcing: forcing, threads: 2) else { continue }
            assertClose(output, reference, "\(activation), \(path), \(forcing)")
            checked[forcing, default: 0] += 1
          }
        }
      }
    }
    if Engine.Path.avx512.isSupported {
      XCTAssertEqual(checked[.winograd], activations.count, "Winograd")
      XCTAssertGreaterThanOrEqual(checked[.fft] ?? 0, activations.count, "FFT")
    }
    if Engine.Path.avx2.isSupported { XCTAssertGreaterThanOrEqual(checked[.spaceToDepth] ?? 0, activations.count, "space-to-depth") }
  }

  /// The whole output of `conv` with `forcing`, or nil where that algorithm cannot compute the layer on `path`.
  func forcedOutput(_ conv: ConvLayer, _ input: Tensor, path: Engine.Path, forcing: PreparedConv.Forcing, threads: Int) -> Tensor? {
    guard let prepared = try? PreparedConv(conv, input: input, path: path, forcing: forcing) else { return nil }
    switch forcing {
    case .winograd: guard prepared.method == .winograd else { return nil }
    case .fft: guard prepared.method == .fft else { return nil }
    case .spaceToDepth: guard prepared.polyphase else { return nil }
    case .none: break
    }
    let g = prepared.geometry
    var output = Tensor(channels: conv.filterCount, height: g.outputHeight, width: g.outputWidth)
    output.values.withUnsafeMutableBufferPointer {
      prepared.compute(filters: 0..<conv.filterCount, rows: 0..<g.outputHeight, into: $0.baseAddress!, threads: threads)
    }
    return output
  }

  /// Every path this CPU can run; a missing one is said, not silently dropped.
  static let paths: [Engine.Path] = {
    let supported = Engine.Path.allCases.filter(\.isSupported)
    for path in Engine.Path.allCases where !path.isSupported { print("NOTE: this CPU cannot run the \(path) path; it is not tested here") }
    return supported
  }()

  /// Wide pictures and many filters, so the SIMD paths run several pixel blocks and filter blocks.
  func testWideLayersMatchReferenceOnEveryPath() throws {
    for seed in UInt64(1)...12 {
      var rng = SeededRandom(seed: seed)
      let (channels, filters) = (Int.random(in: 1...9, using: &rng), Int.random(in: 1...19, using: &rng))
      let kernel = Pair(Int.random(in: 1...7, using: &rng), Int.random(in: 1...7, using: &rng))
      let conv = ConvLayer(inputChannels: channels, filterCount: filters, kernel: kernel,
                           weights: rng.floats(filters * channels * kernel.y * kernel.x), bias: rng.floats(filters),
                           dilation: Pair(1, Int.random(in: 1...2, using: &rng)), padding: .same,
                           paddingMode: PaddingMode.allCases.randomElement(using: &rng)!, activation: .relu)
      let input = Tensor.random(channels: channels, height: Int.random(in: 8...20, using: &rng), width: Int.random(in: 50...130, using: &rng), &rng)
      let reference = try ReferenceEngine.apply(conv, to: input)
      for path in Self.paths {
        assertClose(try Engine(threads: 2, path: path).apply(conv, to: input), reference, "seed \(seed), \(path) path")
      }
    }
  }

  /// The row kernels pad their input in bands of `rowKernelBandRows` output rows: tall inputs, so that a
  /// worker goes through several bands, with strides, dilations, groups and padding modes, on one and two
  /// threads.
  func testRowKernelsOnTallInputsMatchReference() throws {
    var rng = SeededRandom(seed: 4242)
    var taken = 0
    for _ in 0..<16 {
      let groups = [1, 1, 2, 3].randomElement(using: &rng)!
      let channels = groups * Int.random(in: 1...3, using: &rng)
      let filters = groups * Int.random(in: 1...11, using: &rng)
      let kernel = Pair(Int.random(in: 1...5, using: &rng), Int.random(in: 1...5, using: &rng))
      let conv = ConvLayer(inputChannels: channels, filterCount: filters, kernel: kernel,
                           weights: rng.floats(filters * channels / groups * kernel.y * kernel.x), bias: rng.floats(filters),
                           stride: Pair(Int.random(in: 1...3, using: &rng), Int.random(in: 1...2, using: &rng)),
                           dilation: Pair(Int.random(in: 1...3, using: &rng), Int.random(in: 1...2, using: &rng)), groups: groups,
                           padding: [.same, .fixed(.none), .fixed(Padding(top: 2, left: 1, bottom: 3, right: 0))].randomElement(using: &rng)!,
                           paddingMode: PaddingMode.allCases.randomElement(using: &rng)!, activation: .relu)
      let input = Tensor.random(channels: channels, height: Int.random(in: 150...260, using: &rng),
                                width: Int.random(in: 20...90, using: &rng), &rng)
      guard let reference = try? ReferenceEngine.apply(conv, to: input) else { continue }
      for path in Self.paths where path != .portable {
        if case .rows = try PreparedConv(conv, input: input, path: path, algorithm: .direct).method { taken += 1 }
        for threads in [1, 2] {
          assertClose(try Engine(threads: threads, path: path, algorithm: .direct).apply(conv, to: input), reference,
                      "\(path), \(threads) threads: \(conv.kernel) stride \(conv.stride) dilation \(conv.dilation) groups \(groups), \(input.height) rows")
        }
      }
    }
    if Engine.Path.avx2.isSupported { XCTAssertGreaterThan(taken, 10, "too few layers took the row kernels") }
  }

  /// Every block width of the channels-last kernels (1 to 4 vectors of filters with AVX-512, 1 or 2 with
  /// AVX2), whole and partial chunks of channels, groups, strides and dilations.
  func testChannelsLastKernelsMatchReferenceForEveryBlockWidth() throws {
    var rng = SeededRandom(seed: 2024)
    let cases: [(channels: Int, groups: Int, filters: Int, stride: Pair, dilation: Pair)] = [
      (8, 1, 5, Pair(1), Pair(1)), (11, 1, 20, Pair(1), Pair(1, 2)), (24, 1, 40, Pair(1), Pair(1)),
      (16, 1, 64, Pair(2, 1), Pair(1)), (9, 1, 100, Pair(1), Pair(2, 1)), (20, 2, 36, Pair(1, 2), Pair(1)),
      (3, 1, 7, Pair(1, 3), Pair(1)),
    ]
    for path in Self.paths where path != .portable {
      var widths: Set<Int> = []
      for (channels, groups, filters, stride, dilation) in cases {
        let (cpg, kernel) = (channels / groups, Pair(3, 3))
        let conv = ConvLayer(inputChannels: channels, filterCount: filters, kernel: kernel,
                             weights: rng.floats(filters * cpg * 9), bias: rng.floats(filters), stride: stride,
                             dilation: dilation, groups: groups, padding: .same, paddingMode: .reflect, activation: .none)
        let input = Tensor.random(channels: channels, height: 7, width: 61, &rng)
        let prepared = try PreparedConv(conv, input: input, path: path, algorithm: .direct)
        guard case .channelsLast = prepared.method else { return XCTFail("\(path): \(channels) channels, stride \(stride) did not use the channels-last kernel") }
        widths.formUnion(prepared.blocks.map(\.width))
        assertClose(try Engine(threads: 2, path: path, algorithm: .direct).apply(conv, to: input), try ReferenceEngine.apply(conv, to: input),
                    "\(path) path: \(channels) channels in \(groups) groups, \(filters) filters, stride \(stride), dilation \(dilation)")
      }
      XCTAssertEqual(widths, path == .avx512 ? [16, 32, 48, 64] : [8, 16], "\(path): block widths exercised")
    }
  }

  /// Winograd F(2x4, 3x3) on wide, tall layers: one and several blocks of 64 filters, whole and partial chunks
  /// of channels, odd heights and widths (tiles past the edges), every padding mode, flips and activations.
  func testWinogradMatchesReferenceOnWideLayers() throws {
    guard Engine.Path.avx512.isSupported else { throw XCTSkip("this CPU cannot run the avx512 path, which Winograd's needs") }
    var rng = SeededRandom(seed: 4096)
    for (channels, filters, height, width) in [(8, 5, 7, 61), (11, 64, 12, 30), (24, 70, 9, 13), (64, 64, 16, 50), (40, 130, 5, 3),
                                               (9, 17, 1, 1)] {
      let conv = ConvLayer(inputChannels: channels, filterCount: filters, kernel: Pair(3), weights: rng.floats(filters * channels * 9),
                           bias: rng.floats(filters), padding: [.same, .fixed(.none)].randomElement(using: &rng)!,
                           paddingMode: PaddingMode.allCases.randomElement(using: &rng)!,
                           activation: [.none, .relu, .tanh].randomElement(using: &rng)!, flip: Bool.random(using: &rng))
      let input = Tensor.random(channels: channels, height: height, width: width, &rng)
      guard let reference = try? ReferenceEngine.apply(conv, to: input) else { continue }
      let prepared = try PreparedConv(conv, input: input, path: .avx512)
      XCTAssertEqual(prepared.method, .winograd, "\(channels) channels")
      assertClose(try Engine(threads: 2, path: .avx512).apply(conv, to: input), reference, "Winograd: \(channels) channels, \(filters) filters, \(height)x\(width)")
      XCTAssertNotEqual(try PreparedConv(conv, input: input, path: .avx512, algorithm: .direct).method, .winograd)
    }
  }

  /// Strided layers with few channels, computed as stride-1 layers on the input's phases: strides 2 to 4,
  /// kernels from 2 to 11 (sides not a multiple of the stride included), every padding mode, odd sizes.
  func testSpaceToDepthMatchesReference() throws {
    var rng = SeededRandom(seed: 8192)
    var taken = 0
    for (channels, filters, kernel, stride) in [(3, 64, 7, 2), (3, 10, 11, 2), (1, 5, 5, 3), (2, 20, 4, 2), (3, 32, 3, 2),
                                                (4, 17, 9, 4), (3, 70, 7, 2), (1, 1, 2, 2)] {
      let conv = ConvLayer(inputChannels: channels, filterCount: filters, kernel: Pair(kernel),
                           weights: rng.floats(filters * channels * kernel * kernel), bias: rng.floats(filters), stride: Pair(stride),
                           padding: [.same, .fixed(.none), .fixed(Padding(top: 3, left: 1, bottom: 0, right: 2))].randomElement(using: &rng)!,
                           paddingMode: PaddingMode.allCases.randomElement(using: &rng)!,
                           activation: [.none, .relu, .tanh].randomElement(using: &rng)!, flip: Bool.random(using: &rng))
      let input = Tensor.random(channels: channels, height: 9 + Int.random(in: 0..<30, using: &rng),
                                width: 9 + Int.random(in: 0..<70, using: &rng), &rng)
      guard let reference = try? ReferenceEngine.apply(conv, to: input) else { continue }
      for path in Self.paths {
        let prepared = try PreparedConv(conv, input: input, path: path)
        if prepared.polyphase { taken += 1 }
        assertClose(try Engine(threads: 2, path: path).apply(conv, to: input), reference,
                    "\(path): \(channels) channels, \(filters) filters \(kernel)x\(kernel) stride \(stride), \(conv.padding) \(conv.paddingMode)")
      }
    }
    if Engine.Path.avx2.isSupported { XCTAssertGreaterThan(taken, 8, "too few layers took the space-to-depth path") }
  }

  /// FFT convolution: kernels 5x5 to 17x17 (and oblong ones), 1 to 4 channels, odd numbers of filters,
  /// pictures narrower than a strip and wider than two, every padding mode, flips and activations.
  func testFFTMatchesReference() throws {
    guard Engine.Path.avx512.isSupported else { throw XCTSkip("this CPU cannot run the avx512 path, which the FFT's needs") }
    var rng = SeededRandom(seed: 16384)
    var taken = 0
    // The last two are tall: on one thread, workers go through several tile rows (each padded in turn).
    for (channels, filters, kernel, height, width) in [(3, 12, Pair(7), 30, 700), (3, 10, Pair(11), 47, 200), (1, 5, Pair(5), 9, 9),
                                                        (2, 3, Pair(17), 50, 40), (4, 7, Pair(5, 9), 30, 70), (3, 1, Pair(13, 6), 27, 500),
                                                        (3, 2, Pair(7), 140, 900), (2, 3, Pair(9, 5), 400, 60)] {
      let conv = ConvLayer(inputChannels: channels, filterCount: filters, kernel: kernel,
                           weights: rng.floats(filters * channels * kernel.x * kernel.y), bias: rng.floats(filters),
                           padding: [.same, .fixed(.none), .fixed(Padding(top: 3, left: 1, bottom: 0, right: 2))].randomElement(using: &rng)!,
                           paddingMode: PaddingMode.allCases.randomElement(using: &rng)!,
                           activation: [.none, .relu, .tanh].randomElement(using: &rng)!, flip: Bool.random(using: &rng))
      let input = Tensor.random(channels: channels, height: height, width: width, &rng)
      guard let reference = try? ReferenceEngine.apply(conv, to: input) else { continue }
      if try PreparedConv(conv, input: input, path: .avx512).method == .fft { taken += 1 }
      for threads in [1, 2] {
        assertClose(try Engine(threads: threads, path: .avx512).apply(conv, to: input), reference,
                    "FFT, \(threads) threads: \(channels) channels, \(filters) filters \(kernel), \(height)x\(width), \(conv.padding) \(conv.paddingMode)")
      }
    }
    XCTAssertGreaterThan(taken, 4, "too few layers took the FFT path")
  }

  /// A band of rows and a range of filters equal the same part of the whole output, with each SIMD layout
  /// (stride 1 with many channels: Winograd's, from an odd row, and ranges within a block of 64 filters
  /// that start and end inside vectors of 16, of which Winograd computes only those they touch; 7x7 on 3
  /// channels: the FFT's, from an odd filter of a pair, across tile rows).
  func testRangesOfFiltersAndRowsEqualTheWholeOutput() throws {
    var rng = SeededRandom(seed: 77)
    for (channels, filterCount, filters, stride, kernel) in [(3, 13, 3..<11, Pair(2, 1), 3), (10, 70, 14..<67, Pair(2, 1), 3),
                                                             (10, 70, 14..<67, Pair(1), 3), (10, 70, 20..<37, Pair(1), 3),
                                                             (10, 70, 64..<70, Pair(1), 3), (3, 13, 3..<10, Pair(1), 7)] {
      let conv = ConvLayer(inputChannels: channels, filterCount: filterCount, kernel: Pair(kernel),
                           weights: rng.floats(filterCount * channels * kernel * kernel), bias: rng.floats(filterCount),
                           stride: stride, padding: .same, activation: .relu)
      let input = Tensor.random(channels: channels, height: 31, width: 70, &rng)
      for path in Self.paths {
        let whole = try Engine(threads: 2, path: path).apply(conv, to: input)
        let prepared = try PreparedConv(conv, input: input, path: path)
        let rows = 4..<(whole.height - 2)  // across two of the FFT's tile rows (26 high for 7x7)
        var part = [Float](repeating: .nan, count: filters.count * rows.count * whole.width)
        part.withUnsafeMutableBufferPointer { prepared.compute(filters: filters, rows: rows, into: $0.baseAddress!, threads: 2) }
        for f in filters {
          for y in rows {
            for x in 0..<whole.width {
              XCTAssertEqual(part[((f - filters.lowerBound) * rows.count + y - rows.lowerBound) * whole.width + x], whole[f, y, x], "\(path) (\(f), \(y), \(x))")
            }
          }
        }
      }
    }
  }

  func testPoolingMatchesReference() throws {
    for seed in UInt64(1)...300 {
      var rng = SeededRandom(seed: seed)
      let size = Pair(Int.random(in: 1...4, using: &rng), Int.random(in: 1...4, using: &rng))
      let pool = PoolLayer(
        kind: Bool.random(using: &rng) ? .max : .average, size: size,
        stride: Bool.random(using: &rng) ? nil : Pair(Int.random(in: 1...3, using: &rng), Int.random(in: 1...3, using: &rng)),
        padding: Padding(top: Int.random(in: 0...(size.y / 2), using: &rng), left: Int.random(in: 0...(size.x / 2), using: &rng),
                         bottom: Int.random(in: 0...(size.y / 2), using: &rng), right: Int.random(in: 0...(size.x / 2), using: &rng)))
      let input = Tensor.random(channels: 3, height: Int.random(in: 4...12, using: &rng), width: Int.random(in: 4...12, using: &rng), &rng)
      assertClose(try Engine(threads: 2).apply(pool, to: input), try ReferenceEngine.apply(pool, to: input), "seed \(seed) \(pool)")
    }
  }

  func testMaxPoolPadsWithMinusInfinityAndAveragePoolCountsPaddedZeros() throws {
    let input = Tensor(channels: 1, height: 2, width: 2, values: [-4, -3, -2, -1])
    let padding = Padding(top: 1, left: 1, bottom: 1, right: 1)
    let max = try Engine().apply(PoolLayer(kind: .max, size: Pair(2), stride: Pair(2), padding: padding), to: input)
    XCTAssertEqual(max.values, [-4, -3, -2, -1])  // not 0: padding never wins
    let average = try Engine().apply(PoolLayer(kind: .average, size: Pair(2), stride: Pair(2), padding: padding), to: input)
    XCTAssertEqual(average.values, [-1, -0.75, -0.5, -0.25])  // each window holds one value and three padded zeros
  }
}

extension Tensor {
  static func random(channels: Int, height: Int, width: Int, _ rng: inout SeededRandom) -> Tensor {
    Tensor(channels: channels, height: height, width: width, values: rng.floats(channels * height * width))
  }
}
