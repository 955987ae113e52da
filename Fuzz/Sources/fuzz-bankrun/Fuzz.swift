import Basics
import ConvEngine
import FilterBanks
import FuzzSupport
import Normalization
import Pipeline

/// Structure-aware: a bank built from the fuzzer's choices (conv and pooling layers with any kernel shape,
/// stride, dilation, groups, padding form and mode, activation, flip; inputs of 1 to 3 channels), written as
/// `featuremaps-bank/1` JSON, parsed and validated, then run on a small picture of a chosen size through
/// `BankRun` as every command runs it: every layer whole, the last one streamed, its partial maps, and the
/// gray mappings of each. A bank that parses must run or be refused for not fitting, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  var choices = Choices(FuzzInput.bytes(data, count))
  let text = BankText.make(&choices)
  guard let bank = try? FilterBank.parse(Array(text.utf8), file: "fuzz.json") else { return 0 }
  let (width, height) = (choices.int(1...24), choices.int(1...24))
  var input = Tensor(channels: bank.input.channels.count, height: height, width: width)
  for i in input.values.indices { input.values[i] = choices.float() }
  var engine = Engine(threads: choices.int(1...2))
  engine.algorithm = choices.bool() ? .auto : .direct
  guard let run = try? BankRun(bank: bank, input: input, engine: engine) else { return 0 }
  let last = run.layerCount - 1
  for index in 0..<run.layerCount {
    guard let output = try? run.output(ofLayer: index) else { return 0 }
    _ = output.values.withUnsafeBufferPointer { values in
      MapScaling(normalize: .percentile(1), shared: index % 2 == 0).choose(
        maps: values, count: output.channels, height: output.height, width: output.width, interior: run.interior(ofLayer: index), threads: 1)
    }
  }
  let streamed = try? BankRun(bank: bank, input: input, engine: engine, retention: .latest)
  if var maps = try? streamed?.maps(ofLayer: last, streamed: true) {
    _ = maps.scaled(MapScaling(shared: true), interior: run.interior(ofLayer: last), threads: 1, bandBytes: 64)
  }
  if case .conv(let conv) = bank.layers[last].layer {
    _ = try? run.partialMaps(ofLayer: last, filter: choices.int(0...(conv.filterCount - 1)))
  }
  return 0
}

/// A bank's JSON text from choices.
enum BankText {
  static func make(_ c: inout Choices) -> String {
    let inputChannels = c.pick([["R", "G", "B"], ["Y"], ["B", "G", "R"]])
    var channels = inputChannels
    var layers: [String] = []
    for l in 0..<c.int(1...4) {
      if l > 0 && c.int(0...3) == 0 {
        let size = c.int(1...3)
        layers.append("{\"type\": \"\(c.pick(["maxpool", "avgpool"]))\", \"size\": \(size), \"stride\": \(c.int(1...3)), \"padding\": \(c.int(0...size))}")
        continue
      }
      let groups = c.pick([1, 1, 1, channels.count])
      let filterCount = groups * c.int(1...3)
      let (kh, kw) = (c.int(1...5), c.int(1...5))
      let perGroup = channels.count / max(1, groups)
      var filters: [String] = []
      var names: [String] = []
      for f in 0..<filterCount {
        let name = "l\(l)f\(f)"
        names.append(name)
        let planes = (0..<perGroup).map { _ in
          "[" + (0..<kh).map { _ in "[" + (0..<kw).map { _ in number(c.float()) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
        }
        let bias = c.bool() ? ", \"bias\": \(number(c.float()))" : ""
        filters.append("{\"name\": \"\(name)\"\(bias), \"weights\": [\(planes.joined(separator: ", "))]}")
      }
      let padding = c.pick(["\"same\"", "\"valid\"", "\(c.int(0...3))", "[\(c.int(0...2)), \(c.int(0...2))]",
                            "[\(c.int(0...2)), \(c.int(0...2)), \(c.int(0...2)), \(c.int(0...2))]"])
      let activation = c.pick(["none", "relu", "relu6", "leaky_relu", "sigmoid", "tanh"])
      layers.append("""
        {"type": "conv", "stride": [\(c.int(1...3)), \(c.int(1...3))], "dilation": \(c.int(1...3)), "groups": \(groups), \
        "padding": \(padding), "padding_mode": "\(c.pick(["zeros", "reflect", "replicate", "circular", "symmetric"]))", \
        "activation": "\(activation)", "flip": \(c.bool()), "filters": [\(filters.joined(separator: ", "))]}
        """)
      channels = names
    }
    let input = inputChannels == ["R", "G", "B"] ? "" : ", \"input\": {\"channels\": [" + inputChannels.map { "\"\($0)\"" }.joined(separator: ", ") + "]}"
    return "{\"format\": \"featuremaps-bank/1\", \"name\": \"fuzz\"\(input), \"layers\": [\(layers.joined(separator: ", "))]}"
  }

  /// A finite number as JSON; 0 for what JSON cannot say.
  static func number(_ v: Float) -> String { v.isFinite ? "\(v)" : "0" }
}
