import Pipeline
import XCTest

@testable import ConvEngine
@testable import FilterBanks

/// Bad banks are refused with one line naming the file, the JSON path and the problem.
final class BankValidationTests: XCTestCase {
  /// A valid 3-channel, two-filter layer; cases below change one thing.
  static let sobel = "[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]"
  static func bank(filters: String, layer: String = "\"type\": \"conv\"", extra: String = "") -> String {
    """
    {"format": "featuremaps-bank/1", "name": "t"\(extra), "layers": [{\(layer), "filters": [\(filters)]}]}
    """
  }
  static let goodFilter = "{\"name\": \"a\", \"kernels\": {\"R\": \(sobel), \"G\": \(sobel), \"B\": \(sobel)}}"

  func refusal(_ json: String) -> String {
    do {
      _ = try FilterBank.parse(Array(json.utf8), file: "t.json")
      return "accepted"
    } catch {
      return error.description
    }
  }

  func testRefusalsNameTheFileThePathAndTheProblem() {
    let cases: [(String, String)] = [
      ("not json", "t.json: not valid JSON at line 1, column 1: unexpected character; expected a value"),
      ("{\"format\": \"featuremaps-bank/1\",}", "t.json: not valid JSON at line 1, column 33: trailing comma before '}'"),
      ("{\"format\": \"featuremaps-bank/1\", \"format\": \"x\"}", "t.json: not valid JSON at line 1, column 34: duplicate key \"format\""),
      ("[1, 2,]", "t.json: not valid JSON at line 1, column 7: trailing comma before ']'"),
      ("{\"format\": \"featuremaps-bank/2\"}", "t.json: format: unknown format \"featuremaps-bank/2\"; this featuremaps reads \"featuremaps-bank/1\""),
      ("{\"name\": \"x\"}", "t.json: format: missing; a bank starts with \"format\": \"featuremaps-bank/1\""),
      (Self.bank(filters: "{\"name\": \"a\", \"kernels\": {\"R\": \(Self.sobel), \"G\": \(Self.sobel)}}"),
       "t.json: layers[0].filters[0].kernels: missing the kernel for input channel \"B\"; expected kernels for \"R\", \"G\", \"B\""),
      (Self.bank(filters: "{\"name\": \"a\", \"kernels\": {\"R\": \(Self.sobel), \"G\": \(Self.sobel), \"B\": \(Self.sobel), \"A\": \(Self.sobel)}}"),
       "t.json: layers[0].filters[0].kernels.A: not an input channel of this filter; expected kernels for \"R\", \"G\", \"B\""),
      (Self.bank(filters: Self.goodFilter + ", {\"name\": \"b\", \"kernels\": {\"R\": \(Self.sobel), \"G\": [[1, 2], [3, 4], [5, 6]], \"B\": \(Self.sobel)}}"),
       "t.json: layers[0].filters[1].kernels.G: expected 3 rows of 3 numbers (like layers[0].filters[0].kernels.R), got a row of 2"),
      (Self.bank(filters: "{\"name\": \"a\", \"kernels\": {\"R\": [[1, 2], [3]], \"G\": [[1]], \"B\": [[1]]}}"),
       "t.json: layers[0].filters[0].kernels.R: ragged kernel: row 0 has 2 numbers, row 1 has 1"),
      (Self.bank(filters: "{\"name\": \"a\", \"weights\": [[1, 2], [3, 4], [5, 6]]}"),
       "t.json: layers[0].filters[0].weights[0][0]: expected a row of numbers, got a number"),
      (Self.bank(filters: "{\"name\": \"a\", \"weights\": [[[1]], [[2]]]}"),
       "t.json: layers[0].filters[0].weights: expected 3 kernels ([in_channels / groups][rows][columns], one per input channel R, G, B), got 2"),
      (Self.bank(filters: "{\"name\": \"a\", \"weights\": [[[1e39]], [[2]], [[3]]]}"),
       "t.json: layers[0].filters[0].weights[0][0][0]: the number 1e+39 is outside the Float32 range"),
      (Self.bank(filters: "{\"name\": \"a\", \"weights\": [[[1e999]], [[2]], [[3]]]}"),
       "t.json: not valid JSON at line 1, column 115: the number 1e999 is out of range"),
      (Self.bank(filters: "{\"name\": \"a\", \"weights\": [[[\"x\"]], [[2]], [[3]]]}"),
       "t.json: layers[0].filters[0].weights[0][0][0]: expected a number, got a string"),
      (Self.bank(filters: ""), "t.json: layers[0].filters: a conv layer needs at least one filter"),
      (Self.bank(filters: Self.goodFilter + ", " + Self.goodFilter.replacingOccurrences(of: "\"a\"", with: "\"A\"")),
       "t.json: layers[0].filters[1].name: \"A\" is already the name of filter 0 (names must differ, ignoring case)"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"stride\": 0"),
       "t.json: layers[0].stride: 0 is out of range; expected 1...64"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"dilation\": [1, 0]"),
       "t.json: layers[0].dilation[1]: 0 is out of range; expected 1...64"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"groups\": 2"),
       "t.json: layers[0].groups: groups = 2 must divide both the 3 input channels and the 1 filters"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"padding\": \"full\""),
       "t.json: layers[0].padding: expected \"same\", \"valid\", a whole number, [py, px] or [top, left, bottom, right], got \"full\""),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"padding_mode\": \"mirror\""),
       "t.json: layers[0].padding_mode: unknown padding mode \"mirror\"; expected zeros, reflect, replicate, circular or symmetric"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"activation\": \"swish\""),
       "t.json: layers[0].activation: unknown activation \"swish\"; expected none, relu, relu6, leaky_relu, sigmoid, tanh, silu, hard_swish, hard_sigmoid, gelu, gelu_tanh, elu, mish, clip or prelu"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"activation\": \"prelu\", \"slopes\": [0.1, 0.2]"),
       "t.json: layers[0].slopes: 2 slopes for 1 filter: give one slope for all, or one per filter"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"activation\": \"prelu\""),
       "t.json: layers[0].activation: prelu needs its slopes"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"activation\": \"clip\", \"min\": 2, \"max\": 1"),
       "t.json: layers[0].max: clip's min 2.0 is greater than its max 1.0"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"activation\": \"clip\", \"min\": 0"),
       "t.json: layers[0].min: clip needs both min and max"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"activation\": \"gelu\", \"alpha\": 1"),
       "t.json: layers[0].alpha: gelu takes no alpha"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"activation\": \"elu\", \"beta\": 1"),
       "t.json: layers[0].beta: beta is not a parameter of elu (it takes alpha)"),
      (Self.bank(filters: Self.goodFilter, layer: "\"type\": \"conv\", \"strides\": 2"),
       "t.json: layers[0].strides: unknown key; expected one of activation, alpha, as_trained, beta, comment, dilation, filters, flip, from, groups, max, min, name, negative_slope, padding, padding_mode, slopes, stride, type"),
      (Self.bank(filters: "{\"name\": \"a\", \"weights\": [\(String(repeating: "[[1]], ", count: 2))[\(Array(repeating: "[" + Array(repeating: "1", count: 65).joined(separator: ",") + "]", count: 1).joined(separator: ","))]]}"),
       "t.json: layers[0].filters[0].weights[2]: expected 1 rows of 1 numbers (like layers[0].filters[0].weights[0]), got a row of 65"),
      (Self.bank(filters: "{\"name\": \"a\", \"weights\": [[\(Array(repeating: "[" + Array(repeating: "1", count: 65).joined(separator: ",") + "]", count: 1).joined(separator: ","))], [[1]], [[1]]]}"),
       "t.json: layers[0].filters[0].weights[0]: a 1x65 kernel is over the limit of 64 per side"),
      (Self.bank(filters: Self.goodFilter, extra: ", \"input\": {\"channels\": [\"R\", \"G\"]}"),
       "t.json: layers[0].filters[0].kernels.B: not an input channel of this filter; expected kernels for \"R\", \"G\""),
      (Self.bank(filters: Self.goodFilter, extra: ", \"input\": {\"channels\": [\"R\", \"R\", \"B\"]}"),
       "t.json: input.channels: a channel is listed twice"),
      (Self.bank(filters: Self.goodFilter, extra: ", \"input\": {\"std\": [1, 0, 1]}"), "t.json: input.std[1]: must be greater than 0"),
      ("{\"format\": \"featuremaps-bank/1\", \"layers\": [{\"type\": \"maxpool\", \"size\": 2}]}", "t.json: layers: a bank needs at least one conv layer"),
      ("{\"format\": \"featuremaps-bank/1\", \"layers\": [{\"type\": \"dense\"}]}",
       "t.json: layers[0].type: unknown layer type \"dense\"; expected \"conv\", \"maxpool\" or \"avgpool\""),
    ]
    for (json, expected) in cases {
      XCTAssertEqual(refusal(json), expected, json)
    }
  }

  func testTooManyFiltersAreRefusedBeforeAllocatingThem() {
    let filters = Array(repeating: "{\"name\": \"f\", \"weights\": [[[1]], [[1]], [[1]]]}", count: 1025).joined(separator: ",")
    XCTAssertEqual(refusal(Self.bank(filters: filters)), "t.json: layers[0].filters: 1025 filters, over the limit of 1024")
  }

  func testLayerTwoFiltersHaveOneKernelPerLayerOneFilter() throws {
    let json = """
      {"format": "featuremaps-bank/1",
       "layers": [
         {"type": "conv", "filters": [
           {"name": "x", "kernels": {"R": [[1]], "G": [[0]], "B": [[0]]}},
           {"name": "y", "kernels": {"R": [[0]], "G": [[1]], "B": [[0]]}}]},
         {"type": "maxpool", "size": 2},
         {"type": "conv", "filters": [{"name": "xy", "bias": 0.5, "kernels": {"y": [[10]], "x": [[1]]}}]}]}
      """
    let bank = try FilterBank.parse(Array(json.utf8), file: "t.json")
    XCTAssertEqual(bank.layers.map(\.outputNames), [["x", "y"], ["x", "y"], ["xy"]])
    guard case .conv(let second) = bank.layers[2].layer else { return XCTFail("not a conv layer") }
    XCTAssertEqual(second.inputChannels, 2)
    XCTAssertEqual(second.weights, [1, 10])  // in channel order x, y: not in the order the file lists them
    XCTAssertEqual(bank.convLayerNumber(2), 2)
    let picture = Tensor(channels: 3, height: 2, width: 2, values: [1, 2, 3, 4, 10, 20, 30, 40, 0, 0, 0, 0])
    let output = try BankRun(bank: bank, input: picture, engine: Engine()).output(ofLayer: 2)
    XCTAssertEqual(output.values, [4 * 1 + 40 * 10 + 0.5])  // max-pooled x and y, weighted and summed
  }

  func testSingleLayerBankAtTheTopLevelAndDefaults() throws {
    let json = "{\"format\": \"featuremaps-bank/1\", \"filters\": [\(Self.goodFilter)]}"
    let bank = try FilterBank.parse(Array(json.utf8), file: "t.json", defaultName: "edges")
    XCTAssertEqual(bank.name, "edges")
    XCTAssertEqual(bank.input, .rgb)
    guard case .conv(let conv) = bank.layers[0].layer else { return XCTFail("not a conv layer") }
    XCTAssertEqual(conv.stride, Pair(1))
    XCTAssertEqual(conv.dilation, Pair(1))
    XCTAssertEqual(conv.groups, 1)
    XCTAssertEqual(conv.padding, .fixed(.none))
    XCTAssertEqual(conv.paddingMode, .zeros)
    XCTAssertEqual(conv.activation, .none)
    XCTAssertEqual(conv.flip, false)
    XCTAssertEqual(conv.bias, [0])
  }

  func testAKernelLargerThanThePaddedPictureIsSaidWhenThePictureIsKnown() throws {
    let json = "{\"format\": \"featuremaps-bank/1\", \"filters\": [\(Self.goodFilter)]}"
    let bank = try FilterBank.parse(Array(json.utf8), file: "t.json")
    XCTAssertThrowsError(try BankRun(bank: bank, input: Tensor(channels: 3, height: 2, width: 9), engine: Engine())) { error in
      XCTAssertEqual(
        "\(error)", "the bank bank does not fit this 9x2 picture: layers[0]: the kernel (3x3, dilation 1) covers 3x3 pixels, more than the padded input of 9x2")
    }
  }
}
