import ConvEngine
import TestSupport
import XCTest

@testable import Pipeline

/// Layers streamed in bands (`LayerBands`) against the float64 reference on whole layers: random stacks
/// of conv and pooling layers whose bands split at every kind of boundary (padding rows, stride,
/// dilation, pooling windows, several conv layers), on every path and algorithm.
final class LayerBandsTests: XCTestCase {
  let tolerance: Float = 1e-5

  func randomConv(channels: Int, _ rng: inout SeededRandom) -> ConvLayer {
    // One in three: 3x3 stride 1 with 16 channels or more, so that Winograd computes inner layers too.
    let winograd = channels >= 8 && Int.random(in: 0..<3, using: &rng) == 0
    let kernel = winograd ? Pair(3) : Pair(Int.random(in: 1...5, using: &rng), Int.random(in: 1...5, using: &rng))
    let stride = winograd ? Pair(1) : Pair(Int.random(in: 1...2, using: &rng), Int.random(in: 1...2, using: &rng))
    let dilation = winograd ? Pair(1) : Pair(Int.random(in: 1...2, using: &rng), Int.random(in: 1...2, using: &rng))
    let filters = winograd ? 16 : [1, 2, 5, 8, 12].randomElement(using: &rng)!
    let padding: PaddingRule
    switch Int.random(in: 0...2, using: &rng) {
    case 0: padding = .same
    case 1: padding = .fixed(.none)
    default:
      padding = .fixed(Padding(top: Int.random(in: 0...2, using: &rng), left: Int.random(in: 0...2, using: &rng),
                               bottom: Int.random(in: 0...2, using: &rng), right: Int.random(in: 0...2, using: &rng)))
    }
    let activations: [Activation] = [.none, .relu, .tanh]
    return ConvLayer(
      inputChannels: channels, filterCount: filters, kernel: kernel,
      weights: rng.floats(filters * channels * kernel.y * kernel.x), bias: rng.floats(filters),
      stride: stride, dilation: dilation, padding: padding,
      paddingMode: [.zeros, .zeros, .replicate, .reflect, .symmetric].randomElement(using: &rng)!,
      activation: activations.randomElement(using: &rng)!, flip: Bool.random(using: &rng))
  }

  func randomStack(_ rng: inout SeededRandom) -> [Layer] {
    var layers: [Layer] = []
    var channels = 3
    for _ in 0..<Int.random(in: 2...4, using: &rng) {
      if !layers.isEmpty && Int.random(in: 0..<4, using: &rng) == 0 {
        let pool = Bool.random(using: &rng)
          ? PoolLayer(kind: .max, size: Pair(2))
          : PoolLayer(kind: Bool.random(using: &rng) ? .max : .average, size: Pair(3), stride: Pair(1), padding: Padding(top: 1, left: 1, bottom: 1, right: 1))
        layers.append(.pool(pool))
      } else {
        let conv = randomConv(channels: channels, &rng)
        channels = conv.filterCount
        layers.append(.conv(conv))
      }
    }
    if case .pool = layers.last! { layers.append(.conv(randomConv(channels: channels, &rng))) }
    return layers
  }

  func testBandsOfEverySizeMatchTheReferenceOnEveryPath() throws {
    var rng = SeededRandom(seed: 25)
    var checked = 0
    let engines = [Engine(threads: 2, path: .best, algorithm: .auto), Engine(threads: 2, path: .best, algorithm: .direct),
                   Engine(threads: 1, path: .portable)]
    for case_ in 0..<150 {
      let layers = randomStack(&rng)
      let (height, width) = (Int.random(in: 12...40, using: &rng), Int.random(in: 5...23, using: &rng))
      let picture = Tensor(channels: 3, height: height, width: width, values: rng.floats(3 * height * width))
      guard let geometries = try? LayerGeometry.chain(layers, height: picture.height, width: picture.width),
            let reference = try? ReferenceEngine.run(layers, on: picture).last,
            LayerBands.canStream(layers, geometries: geometries), reference.height > 0, reference.width > 0
      else { continue }
      let scale = max(reference.values.map(abs).max() ?? 0, 1e-30)
      let engine = engines[case_ / 3 % engines.count]
      // A budget of 1 byte: bands of 2 rows whatever is asked; 1 GiB: one band for the whole request.
      let budget = [1, 20_000, 1 << 30][case_ % 3]
      let bands = try LayerBands(layers: layers, geometries: geometries, input: picture, engine: engine, budget: budget)
      let plane = reference.height * reference.width
      // Bands of each size in order, then a few rows again from earlier on (the windows start over).
      var requests = [1, 2, 3, 5, 8, reference.height].flatMap { size in
        stride(from: 0, to: reference.height, by: size).map { $0..<min(reference.height, $0 + size) }
      }
      requests.append(reference.height / 2..<reference.height)
      requests.append(0..<max(1, reference.height / 3))
      for rows in requests {
        var out = [Float](repeating: .nan, count: reference.channels * rows.count * reference.width)
        out.withUnsafeMutableBufferPointer {
          bands.fill(filters: 0..<reference.channels, rows: rows, into: $0.baseAddress!, mapStride: rows.count * reference.width)
        }
        for c in 0..<reference.channels {
          for y in rows {
            for x in 0..<reference.width {
              let got = out[(c * rows.count + y - rows.lowerBound) * reference.width + x]
              let want = reference.values[c * plane + y * reference.width + x]
              guard abs(got - want) <= tolerance * scale else {
                return XCTFail("case \(case_) (\(engine.path), \(engine.algorithm)), layers \(layers.count), rows \(rows): "
                  + "map \(c) at (\(y), \(x)) is \(got), the reference \(want)")
              }
            }
          }
        }
      }
      checked += 1
    }
    XCTAssertGreaterThan(checked, 75, "too few random stacks fit their pictures")
  }

  func testCircularPaddingOfAnInnerLayerIsNotStreamed() throws {
    var rng = SeededRandom(seed: 7)
    var conv = randomConv(channels: 4, &rng)
    conv.padding = .fixed(Padding(top: 1, left: 1, bottom: 1, right: 1))
    conv.paddingMode = .circular
    let first = ConvLayer(inputChannels: 3, filterCount: 4, kernel: Pair(1), weights: rng.floats(12))
    let layers: [Layer] = [.conv(first), .conv(conv)]
    let geometries = try LayerGeometry.chain(layers, height: 10, width: 10)
    XCTAssertFalse(LayerBands.canStream(layers, geometries: geometries))
    conv.paddingMode = .zeros
    XCTAssertTrue(LayerBands.canStream([.conv(first), .conv(conv)], geometries: geometries))
  }

  /// The memory of streamed layers does not grow with depth: the band gets thinner instead, down to
  /// `minimumBandRows`.
  func testTheBandBudgetHoldsABandAndEveryWindow() throws {
    var rng = SeededRandom(seed: 3)
    func bank(depth: Int) -> [Layer] {
      (0..<depth).map { i in
        .conv(ConvLayer(inputChannels: i == 0 ? 3 : 16, filterCount: 16, kernel: Pair(3), weights: rng.floats(16 * (i == 0 ? 3 : 16) * 9),
                        padding: .same, activation: .relu))
      }
    }
    for depth in [2, 5, 9, 30] {
      let layers = bank(depth: depth)
      let geometries = try LayerGeometry.chain(layers, height: 3000, width: 4000)
      let channels = [Int](repeating: 16, count: depth)
      let budget = 32 << 20
      let rows = LayerBands.bandRows(budget: budget, layers: layers, geometries: geometries, channels: channels)
      let bytes = 4 * 16 * 4000 * rows + LayerBands.windowBytes(layers, geometries: geometries, channels: channels, bandRows: rows)
      XCTAssertEqual(rows % 2, 0, "depth \(depth)")
      XCTAssertGreaterThanOrEqual(rows, LayerBands.minimumBandRows, "depth \(depth)")
      guard rows > LayerBands.minimumBandRows else {
        // So deep that the thinnest band worth computing takes more than the budget: the minimum, no more.
        XCTAssertGreaterThan(bytes, budget, "depth \(depth)")
        continue
      }
      XCTAssertLessThanOrEqual(bytes, budget, "depth \(depth)")
      // Two more rows would not fit.
      let more = 4 * 16 * 4000 * (rows + 2) + LayerBands.windowBytes(layers, geometries: geometries, channels: channels, bandRows: rows + 2)
      XCTAssertGreaterThan(more, budget, "depth \(depth)")
    }
  }
}
