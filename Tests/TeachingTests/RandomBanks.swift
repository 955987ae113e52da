import ConvEngine
import FilterBanks
import TestSupport

/// Random banks written as JSON, covering every option of the format: one to three conv layers, pooling,
/// kernels 1 to 5 (not square), stride and dilation 1 to 3, groups, every padding form and mode, every
/// activation, flip, biases or none; input channels R, G, B subsets or Y.
enum RandomBanks {
  static func make(_ rng: inout SeededRandom) -> (bank: FilterBank, input: Tensor) {
    let inputs = [["Y"], ["R"], ["R", "G"], ["R", "G", "B"], ["B", "G", "R"]]
    var channels = inputs.randomElement(using: &rng)!
    let inputChannels = channels
    var layers: [String] = []
    let convCount = Int.random(in: 1...3, using: &rng)
    for number in 1...convCount {
      if number > 1 && Bool.random(using: &rng) {
        layers.append("{\"type\": \"\(Bool.random(using: &rng) ? "maxpool" : "avgpool")\", \"size\": 2, \"stride\": 1, \"padding\": [0, 1]}")
      }
      let groups = [1, 1, channels.count].randomElement(using: &rng)!
      let filters = groups * Int.random(in: 1...2, using: &rng)
      let (kh, kw) = (Int.random(in: 1...5, using: &rng), Int.random(in: 1...5, using: &rng))
      let paddings = ["\"same\"", "\"valid\"", "1", "[2, 1]", "[0, 2, 1, 3]", "3"]
      let modes = PaddingMode.allCases.map(\.rawValue)
      let activations = ["none", "relu", "relu6", "leaky_relu", "sigmoid", "tanh"]
      let withBias = Bool.random(using: &rng)
      var filterJSON: [String] = []
      let perGroup = channels.count / groups
      for f in 0..<filters {
        let planes = (0..<perGroup).map { _ in
          "[" + (0..<kh).map { _ in "[" + rng.floats(kw).map { "\($0)" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
        }
        filterJSON.append("{\"name\": \"l\(number)f\(f)\"" + (withBias ? ", \"bias\": \(rng.floats(1)[0])" : "") + ", \"weights\": [\(planes.joined(separator: ", "))]}")
      }
      let stride = Bool.random(using: &rng) ? "\(Int.random(in: 1...3, using: &rng))" : "[\(Int.random(in: 1...2, using: &rng)), \(Int.random(in: 1...3, using: &rng))]"
      layers.append("""
        {"type": "conv", "stride": \(stride), "dilation": [\(Int.random(in: 1...2, using: &rng)), \(Int.random(in: 1...3, using: &rng))], \
        "groups": \(groups), "padding": \(paddings.randomElement(using: &rng)!), "padding_mode": "\(modes.randomElement(using: &rng)!)", \
        "activation": "\(activations.randomElement(using: &rng)!)", "flip": \(Bool.random(using: &rng)), "filters": [\(filterJSON.joined(separator: ", "))]}
        """)
      channels = (0..<filters).map { "l\(number)f\($0)" }
    }
    let json = "{\"format\": \"featuremaps-bank/1\", \"input\": {\"channels\": [\(inputChannels.map { "\"\($0)\"" }.joined(separator: ", "))]}, \"layers\": [\(layers.joined(separator: ", "))]}"
    let bank = try! FilterBank.parse(Array(json.utf8), file: "random.json")
    let (height, width) = (Int.random(in: 8...20, using: &rng), Int.random(in: 8...20, using: &rng))
    return (bank, Tensor(channels: inputChannels.count, height: height, width: width, values: rng.floats(inputChannels.count * height * width)))
  }
}
