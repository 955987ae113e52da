import ConvEngine
import FilterBanks
import MapWriting
import TestSupport
import XCTest

@testable import Teaching

/// `explain`'s numbers against an independent computation written here (the padding modes' values, the
/// turned kernel, the sums) and against the engine's maps, at thousands of random positions of random
/// banks, borders included.
final class ExplainTests: XCTestCase {
  /// The value padding mode `mode` puts at `i` on a side of `n`, written from the README's pictures.
  func padded(_ i: Int, _ n: Int, _ mode: PaddingMode) -> Int? {
    if (0..<n).contains(i) { return i }
    switch mode {
    case .zeros: return nil
    case .replicate: return min(max(i, 0), n - 1)
    case .reflect: return i < 0 ? -i : 2 * n - 2 - i
    case .symmetric: return i < 0 ? -1 - i : 2 * n - 1 - i
    case .circular: return (i % n + n) % n
    }
  }

  func testExplainGivesTheEngineValueThroughItsTermsEverywhere() throws {
    var positions = 0
    var refused = 0
    for seed in UInt64(1)...400 {
      var rng = SeededRandom(seed: seed)
      let (bank, input) = RandomBanks.make(&rng)
      // Layers are numbered as summary and the manifest number them: pooling layers count.
      for layer in bank.convLayerIndices.map({ $0 + 1 }) {
        let run: LayerRun
        do {
          run = try LayerRun(bank: bank, picture: input, layer: layer)
        } catch {
          refused += 1  // the bank does not fit this input (reflect wider than the side...)
          break
        }
        let (conv, g) = (run.conv, run.geometry)
        let scale = max(run.output.values.map(abs).max() ?? 0, 1e-6)
        for _ in 0..<6 {
          // Corners and edges as often as the middle.
          let x = [0, run.output.width - 1, Int.random(in: 0..<run.output.width, using: &rng)].randomElement(using: &rng)!
          let y = [0, run.output.height - 1, Int.random(in: 0..<run.output.height, using: &rng)].randomElement(using: &rng)!
          let f = Int.random(in: 0..<conv.filterCount, using: &rng)
          let pixel = try run.explain(filter: f, x: x, y: y, scope: "per-map")
          let what = "seed \(seed) layer \(layer) filter \(f) at \(x),\(y)"
          XCTAssertEqual(pixel.channels.count, conv.channelsPerGroup, what)
          var total = 0.0
          for (ci, channel) in pixel.channels.enumerated() {
            let c = conv.firstChannel(ofFilter: f) + ci
            XCTAssertEqual(channel.name, run.inputNames[c], what)
            var sum = 0.0
            for ky in 0..<conv.kernel.y {
              for kx in 0..<conv.kernel.x {
                let row = y * conv.stride.y - g.padding.top + ky * conv.dilation.y
                let column = x * conv.stride.x - g.padding.left + kx * conv.dilation.x
                let (sy, sx) = (padded(row, run.input.height, conv.paddingMode), padded(column, run.input.width, conv.paddingMode))
                let value: Float = sy != nil && sx != nil ? run.input[c, sy!, sx!] : 0
                let (wy, wx) = conv.flip ? (conv.kernel.y - 1 - ky, conv.kernel.x - 1 - kx) : (ky, kx)
                let weight = conv.weights[((f * conv.channelsPerGroup + ci) * conv.kernel.y + wy) * conv.kernel.x + wx]
                XCTAssertEqual(channel.patch[ky][kx], value, what)
                XCTAssertEqual(channel.padded[ky][kx], !(0..<run.input.height).contains(row) || !(0..<run.input.width).contains(column), what)
                XCTAssertEqual(channel.kernel[ky][kx], weight, what)
                XCTAssertEqual(channel.products[ky][kx], Double(weight) * Double(value), what)
                sum += Double(weight) * Double(value)
              }
            }
            XCTAssertEqual(channel.sum, sum, accuracy: 1e-12, what)
            total += sum
          }
          XCTAssertEqual(pixel.sum, total, accuracy: 1e-9, what)
          XCTAssertEqual(pixel.preActivation, Float(pixel.sum + Double(pixel.bias)), what)
          XCTAssertEqual(pixel.bias, conv.bias[f], what)
          XCTAssertEqual(pixel.value, run.output[f, y, x], what)
          XCTAssertEqual(conv.activation.apply(pixel.preActivation), pixel.value, accuracy: 1e-5 * scale, "\(what): the terms do not give the engine's value")
          XCTAssertTrue(pixel.text.contains(TextTable.number(Double(pixel.value))), what)
          positions += 1
        }
      }
    }
    XCTAssertGreaterThan(positions, 2000)
    XCTAssertLessThan(refused, 160, "too many random banks do not fit their input")
  }

  /// PyTorch's two-layer example: input (2, 3, 3) holding 0...17, both layers 2 filters of 2x2 with constant
  /// kernels 0.25 and 0.5 (filter 0) and 1 and 2 (filter 1). Layer 1 gives 24, 27, 33, 36 and 96, 108, 132,
  /// 144; layer 2 gives 270 and 1080.
  func testThePyTorchTwoLayerExample() throws {
    func layer(_ names: [String]) -> String {
      func kernel(_ v: String) -> String { "[[\(v), \(v)], [\(v), \(v)]]" }
      return """
        {"type": "conv", "filters": [{"name": "a", "kernels": {"\(names[0])": \(kernel("0.25")), "\(names[1])": \(kernel("0.5"))}},
                                     {"name": "b", "kernels": {"\(names[0])": \(kernel("1")), "\(names[1])": \(kernel("2"))}}]}
        """
    }
    let json = "{\"format\": \"featuremaps-bank/1\", \"input\": {\"channels\": [\"R\", \"G\"]}, \"layers\": [\(layer(["R", "G"])), \(layer(["a", "b"]))]}"
    let bank = try FilterBank.parse(Array(json.utf8), file: "pytorch.json")
    let input = Tensor(channels: 2, height: 3, width: 3, values: (0..<18).map(Float.init))
    let first = try LayerRun(bank: bank, picture: input, layer: 1)
    var values: [Float] = []
    for f in 0..<2 {
      for y in 0..<2 { for x in 0..<2 { values.append(try first.explain(filter: f, x: x, y: y, scope: "per-map").value) } }
    }
    XCTAssertEqual(values, [24, 27, 33, 36, 96, 108, 132, 144])
    let corner = try first.explain(filter: 0, x: 0, y: 0, scope: "per-map")
    XCTAssertEqual(corner.channels.map(\.sum), [2, 22])  // 0.25 x (0 + 1 + 3 + 4) and 0.5 x (9 + 10 + 12 + 13): 24
    let second = try LayerRun(bank: bank, picture: input, layer: 2)
    XCTAssertEqual(try (0..<2).map { try second.explain(filter: $0, x: 0, y: 0, scope: "per-map").value }, [270, 1080])
    XCTAssertEqual(try second.explain(filter: 1, x: 0, y: 0, scope: "per-map").channels.map(\.name), ["a", "b"])
  }

  /// CS231n's demo: a 5x5x3 input, 2 filters 3x3, stride 2, padding 1, gives 3x3x2; output (1, 1) reads
  /// input rows and columns 1 to 3, and the corner reads padding.
  func testTheCS231nDemo() throws {
    var rng = SeededRandom(seed: 231)
    let filters = (0..<2).map { f in
      "{\"name\": \"w\(f)\", \"bias\": \(f == 0 ? 1 : 0), \"weights\": [" + (0..<3).map { _ in
        "[" + (0..<3).map { _ in "[" + rng.floats(3).map { String(Int($0 * 2)) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
      }.joined(separator: ", ") + "]}"
    }
    let json = "{\"format\": \"featuremaps-bank/1\", \"stride\": 2, \"padding\": 1, \"filters\": [\(filters.joined(separator: ", "))]}"
    let bank = try FilterBank.parse(Array(json.utf8), file: "cs231n.json")
    let input = Tensor(channels: 3, height: 5, width: 5, values: (0..<75).map { Float($0 % 3) })
    let run = try LayerRun(bank: bank, picture: input, layer: nil)
    XCTAssertEqual([run.output.channels, run.output.height, run.output.width], [2, 3, 3])
    let middle = try run.explain(filter: 1, x: 1, y: 1, scope: "per-map")
    XCTAssertEqual(middle.rows, [1, 2, 3])
    XCTAssertEqual(middle.columns, [1, 2, 3])
    XCTAssertFalse(middle.channels.flatMap { $0.padded.joined() }.contains(true))
    let corner = try run.explain(filter: 0, x: 0, y: 0, scope: "per-map")
    XCTAssertEqual(corner.rows, [-1, 0, 1])
    XCTAssertEqual(corner.channels[0].padded[0], [true, true, true])
    XCTAssertEqual(corner.bias, 1)
  }

  func testRefusalsSayTheMapSizeOrTheFilters() throws {
    let bank = try BankCatalog.load("edges").bank
    let run = try LayerRun(bank: bank, picture: Tensor(channels: 3, height: 4, width: 6, repeating: 0.5), layer: nil)
    XCTAssertThrowsError(try run.explain(filter: 0, x: 6, y: 0, scope: "per-map")) { error in
      XCTAssertEqual((error as? TeachingError)?.message, "--at 6,0 is outside layer 1's 6x4 maps (x 0...5, y 0...3)")
    }
    XCTAssertThrowsError(try run.filter("sobel-z")) { error in
      XCTAssertEqual((error as? TeachingError)?.message,
                     "--filter sobel-z: layer 1 has no such filter; its filters are 0 sobel-x, 1 sobel-y, 2 laplacian, 3 red-edge-x, 4 luma-edge-x")
    }
    XCTAssertEqual(try run.filter("3"), 3)
    XCTAssertThrowsError(try LayerRun(bank: bank, picture: Tensor(channels: 3, height: 4, width: 6), layer: 2)) { error in
      XCTAssertEqual((error as? TeachingError)?.message, "--layer 2: the bank edges has 1 layer (1 to 1); its conv layer is 1")
    }
  }

  /// Layers are numbered one way everywhere: pooling layers count, as in `summary`, the manifest and the
  /// `--all-layers` folders. A pooling layer asked for where a conv layer is needed is named for what it is.
  func testLayersAreNumberedWithPoolingLayersAndAPoolingLayerIsNamed() throws {
    let json = """
      {"format": "featuremaps-bank/1", "name": "cpc", "layers": [
        {"type": "conv", "filters": [{"name": "a", "kernels": {"R": [[1]], "G": [[0]], "B": [[0]]}}]},
        {"type": "maxpool", "size": 2},
        {"type": "conv", "filters": [{"name": "b", "bias": 1, "kernels": {"a": [[2]]}}]}]}
      """
    let bank = try FilterBank.parse(Array(json.utf8), file: "cpc.json")
    let picture = Tensor(channels: 3, height: 4, width: 4, values: (0..<48).map(Float.init))
    XCTAssertThrowsError(try LayerRun(bank: bank, picture: picture, layer: 2)) { error in
      XCTAssertEqual((error as? TeachingError)?.message,
                     "--layer 2: layer 2 of the bank cpc is a 2x2 max pooling layer, not a conv layer; its conv layers are 1, 3")
    }
    let third = try LayerRun(bank: bank, picture: picture, layer: 3)
    XCTAssertEqual(third.number, 3)
    // R's 4x4 plane is 0...15; max-pooled 2x2: 5, 7, 13, 15; times 2 plus 1.
    XCTAssertEqual(third.output.values, [11, 15, 27, 31])
    XCTAssertEqual(try third.explain(filter: 0, x: 1, y: 1, scope: "per-map").layer, 3)
  }
}
