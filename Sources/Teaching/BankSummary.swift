import Basics
import Foundation
import ConvEngine
import FilterBanks

/// What each layer of a bank is and costs: kernel shape, geometry, output shape, parameters (as Keras and
/// PyTorch count them), multiply-adds per picture (weights only) and receptive field. Output shapes and
/// multiply-adds need an input size.
public struct BankSummary: Sendable {
  public struct Layer: Sendable {
    public var number: Int
    public var type: String
    /// [filters, in_channels / groups, kh, kw] for a conv layer, [kh, kw] for pooling.
    public var kernel: [Int]
    public var stride: Pair
    public var dilation: Pair
    public var padding: PaddingRule
    public var groups: Int
    public var activation: String
    /// [channels, height, width] for the given input size.
    public var output: [Int]?
    public var parameters: Int
    /// For a layer imported with a batch norm folded in: the network's own count before folding, all of them
    /// (Keras's `summary()`: the batch norm's scale, shift, running mean and variance) and the trainable
    /// ones (torchinfo, PyTorch's `parameters()`: scale and shift).
    public var asTrained: (all: Int, trainable: Int)?
    public var multiplyAdds: Int?
    /// How many input pixels one output pixel sees (per axis: y, x), and how far apart (in input pixels)
    /// neighbouring output pixels are.
    public var receptiveField: Pair
    public var jump: Pair
  }

  public var bank: String
  public var input: (width: Int, height: Int)?
  public var layers: [Layer]
  public var totalParameters: Int
  /// The network's counts before folding (`Layer.asTrained`), when any layer had a batch norm folded in.
  public var totalAsTrained: (all: Int, trainable: Int)?
  public var totalMultiplyAdds: Int?

  public init(_ bank: FilterBank, input: (width: Int, height: Int)?) throws(TeachingError) {
    self.bank = bank.name
    self.input = input
    var geometries: [LayerGeometry]?
    if let input {
      do {
        geometries = try bank.geometries(width: input.width, height: input.height)
      } catch {
        throw TeachingError(error.description)
      }
    }
    var (field, jump) = (Pair(1), Pair(1))
    var channels = bank.input.channels.count
    var layers: [Layer] = []
    for (i, layer) in bank.network.enumerated() {
      let g = geometries?[i]
      let trained = bank.layers[i].trained
      var entry: Layer
      switch layer {
      case .conv(let c):
        var multiplyAdds: Int?
        if let g {
          guard let count = Checked.product(g.outputHeight, g.outputWidth, c.filterCount, c.kernel.y, c.kernel.x, c.channelsPerGroup) else {
            throw TeachingError("--input \(input!.width)x\(input!.height): layer \(i + 1)'s multiply-adds do not fit a 64-bit count")
          }
          multiplyAdds = count
        }
        // PReLU's slopes are learned too: frameworks count them.
        var slopes = 0
        if case .prelu(let values) = c.activation { slopes = values.count }
        let trainedCounts = trained?.parameters(filters: c.filterCount, weightsPerFilter: c.channelsPerGroup * c.kernel.y * c.kernel.x)
        entry = Layer(
          number: i + 1, type: "conv", kernel: [c.filterCount, c.channelsPerGroup, c.kernel.y, c.kernel.x], stride: c.stride,
          dilation: c.dilation, padding: c.padding, groups: c.groups, activation: c.activation.description,
          output: g.map { [c.filterCount, $0.outputHeight, $0.outputWidth] }, parameters: c.parameterCount + slopes,
          asTrained: trainedCounts.map { ($0.all + slopes, $0.trainable + slopes) },
          multiplyAdds: multiplyAdds, receptiveField: field, jump: jump)
        (field, jump) = Self.grow(field, jump, kernel: c.kernel, stride: c.stride, dilation: c.dilation)
        channels = c.filterCount
      case .pool(let p):
        entry = Layer(
          number: i + 1, type: p.kind == .max ? "maxpool" : "avgpool", kernel: [p.size.y, p.size.x], stride: p.stride, dilation: Pair(1),
          padding: .fixed(p.padding), groups: 1, activation: "none",
          output: g.map { [channels, $0.outputHeight, $0.outputWidth] }, parameters: 0, multiplyAdds: g == nil ? nil : 0,
          receptiveField: field, jump: jump)
        (field, jump) = Self.grow(field, jump, kernel: p.size, stride: p.stride, dilation: Pair(1))
      }
      entry.receptiveField = field
      entry.jump = jump
      layers.append(entry)
    }
    self.layers = layers
    totalParameters = layers.reduce(0) { $0 + $1.parameters }
    if layers.contains(where: { $0.asTrained != nil }) {
      totalAsTrained = layers.reduce((0, 0)) { sum, l in
        let counts = l.asTrained ?? (l.parameters, l.parameters)
        return (sum.0 + counts.all, sum.1 + counts.trainable)
      }
    }
    totalMultiplyAdds = input == nil ? nil : layers.reduce(0) { $0 + ($1.multiplyAdds ?? 0) }
  }

  /// Dumoulin and Visin's receptive field arithmetic: a kernel spanning d(k - 1) + 1 input positions widens
  /// the field by (span - 1) x jump; the stride multiplies the jump.
  static func grow(_ field: Pair, _ jump: Pair, kernel: Pair, stride: Pair, dilation: Pair) -> (Pair, Pair) {
    let span = Pair(dilation.y * (kernel.y - 1) + 1, dilation.x * (kernel.x - 1) + 1)
    return (Pair(field.y + (span.y - 1) * jump.y, field.x + (span.x - 1) * jump.x), Pair(jump.y * stride.y, jump.x * stride.x))
  }

  /// "same", or "1" for equal sides, or "[top, left, bottom, right]": the tables' text.
  public static func padding(_ rule: PaddingRule) -> String {
    if let word = rule.word { return word }
    guard case .fixed(let p) = rule else { return "" }
    return p.sides.count == 1 ? "\(p.top)" : "[" + p.sides.map(String.init).joined(separator: ", ") + "]"
  }
}

// MARK: - Text and JSON

extension BankSummary {
  /// A table in the manner of Keras's `summary()` and torchinfo.
  public var text: String {
    let showsTrained = totalAsTrained != nil
    var header = ["layer", "kernel", "stride", "padding", "dilation", "groups", "activation", "output", "parameters", "mult-adds", "receptive field"]
    if showsTrained { header.insert("as trained", at: 9) }
    var rows = [header]
    for l in layers {
      var row = [
        "\(l.number) \(l.type)", "[" + l.kernel.map(String.init).joined(separator: ", ") + "]", "\(l.stride)", Self.padding(l.padding), "\(l.dilation)",
        "\(l.groups)", l.activation, l.output.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "-",
        NumberText.grouped(l.parameters), l.multiplyAdds.map(NumberText.grouped) ?? "-", "\(l.receptiveField) (jump \(l.jump))",
      ]
      if showsTrained {
        let counts = l.asTrained ?? (l.parameters, l.parameters)
        row.insert(counts.all == counts.trainable ? NumberText.grouped(counts.all)
                     : "\(NumberText.grouped(counts.all)) (\(NumberText.grouped(counts.trainable)) trainable)", at: 9)
      }
      rows.append(row)
    }
    let widths = header.indices.map { c in rows.map { $0[c].count }.max()! }
    var lines = rows.map { row in row.enumerated().map { c, cell in cell + String(repeating: " ", count: widths[c] - cell.count) }.joined(separator: "  ") }
    lines.insert(String(repeating: "-", count: lines[0].count), at: 1)
    lines = lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
    lines.append("")
    lines.append("total parameters: \(NumberText.grouped(totalParameters)) (weights, plus one bias per filter where a layer has biases, and PReLU's slopes)")
    if let trained = totalAsTrained {
      lines.append("as trained, before the batch norms were folded in: \(NumberText.grouped(trained.all)) (as Keras's summary() counts: "
        + "each batch norm's scale, shift, running mean and variance), \(NumberText.grouped(trained.trainable)) trainable (as torchinfo counts: scale and shift)")
    }
    if let total = totalMultiplyAdds, let input {
      lines.append("total multiply-adds per \(input.width)x\(input.height) picture: \(NumberText.grouped(total)) (weights only: bias, activation and pooling not counted)")
    } else {
      lines.append("output shapes and multiply-adds: give --input WIDTHxHEIGHT")
    }
    return "bank \(bank)\n" + lines.joined(separator: "\n") + "\n"
  }

  /// A padding word as a string ("same"), a fixed padding as numbers ([top, left, bottom, right], as
  /// `explain --json` gives it).
  static func paddingJSON(_ rule: PaddingRule) -> JSONValue {
    guard rule.word == nil, case .fixed(let p) = rule else { return .string(padding(rule)) }
    return .array([p.top, p.left, p.bottom, p.right].map { .number(Double($0)) })
  }

  static func counts(_ c: (all: Int, trainable: Int)) -> JSONValue {
    .object([("all", .number(Double(c.all))), ("trainable", .number(Double(c.trainable)))])
  }

  public var json: JSONValue {
    func ints(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
    return .object([
      ("bank", .string(bank)),
      ("input", input.map { ints([$0.width, $0.height]) } ?? .null),
      ("layers", .array(layers.map { l in
        .object([
          ("type", .string(l.type)), ("kernel", ints(l.kernel)), ("stride", ints([l.stride.y, l.stride.x])), ("padding", Self.paddingJSON(l.padding)),
          ("dilation", ints([l.dilation.y, l.dilation.x])), ("groups", .number(Double(l.groups))), ("activation", .string(l.activation)),
          ("output", l.output.map(ints) ?? .null), ("parameters", .number(Double(l.parameters))),
          ("parameters_as_trained", l.asTrained.map(Self.counts) ?? .null),
          ("multiply_adds", l.multiplyAdds.map { .number(Double($0)) } ?? .null),
          ("receptive_field", .object([("size", ints([l.receptiveField.y, l.receptiveField.x])), ("jump", ints([l.jump.y, l.jump.x]))])),
        ])
      })),
      ("total_parameters", .number(Double(totalParameters))),
      ("total_parameters_as_trained", totalAsTrained.map(Self.counts) ?? .null),
      ("total_multiply_adds", totalMultiplyAdds.map { .number(Double($0)) } ?? .null),
    ])
  }
}
