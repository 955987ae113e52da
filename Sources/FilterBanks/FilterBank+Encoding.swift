import Basics
import ConvEngine

extension FilterBank {
  /// The bank as self-contained `featuremaps-bank/1` JSON: every layer's filters listed (those taken `from`
  /// a weights file included), so that it reads back to the same bank with no other file.
  public func json(source: Source? = nil) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [
      ("format", .string(Self.formatName)), ("name", .string(name)), ("description", .string(description)),
    ]
    if let source = source ?? self.source { members.append(("source", .object(source.members))) }
    members.append(("input", .object([
      ("channels", .array(input.channels.map { .string($0) })),
      ("range", .array([.number(Double(input.range.lower)), .number(Double(input.range.upper))])),
      ("mean", .array(input.mean.map { .number(Double($0)) })), ("std", .array(input.std.map { .number(Double($0)) })),
    ])))
    members.append(("layers", .array(layers.map(Self.json))))
    return .object(members)
  }

  /// Layer `index` as the bank file holds it (what the live page's cache is keyed by).
  public func layerJSON(_ index: Int) -> JSONValue { Self.json(layers[index]) }

  /// The bank's JSON text, laid out as the shipped banks are, numbers as the Float32 values they hold.
  public func text(source: Source? = nil) -> String {
    ReadableJSON.text(json(source: source), number: ReadableJSON.float32Number) + "\n"
  }

  static func json(_ layer: BankLayer) -> JSONValue {
    switch layer.layer {
    case .pool(let pool):
      return .object([
        ("type", .string(pool.kind.layerType)), ("size", pair(pool.size)), ("stride", pair(pool.stride)),
        ("padding", padding(pool.padding)),
      ])
    case .conv(let conv):
      var members: [(key: String, value: JSONValue)] = [
        ("type", .string("conv")), ("stride", pair(conv.stride)), ("dilation", pair(conv.dilation)),
        ("groups", .number(Double(conv.groups))),
        ("padding", paddingRule(conv.padding)),
        ("padding_mode", .string(conv.paddingMode.rawValue)),
      ]
      members.append(("activation", .string(conv.activation.name)))
      for (name, values) in conv.activation.parameters {
        members.append((name, name == "slopes" ? .array(values.map { .number(Double($0)) }) : .number(Double(values[0]))))
      }
      if conv.flip { members.append(("flip", .bool(true))) }
      if let trained = layer.trained {
        members.append(("as_trained", .object([("conv_bias", .bool(trained.convBias)), ("batchnorm", .bool(trained.batchNorm))])))
      }
      let (cpg, kh, kw) = (conv.channelsPerGroup, conv.kernel.y, conv.kernel.x)
      let filters: [JSONValue] = (0..<conv.filterCount).map { f in
        let planes: [JSONValue] = (0..<cpg).map { c in
          .array((0..<kh).map { y in .array((0..<kw).map { x in .number(Double(conv.weights[((f * cpg + c) * kh + y) * kw + x])) }) })
        }
        var filter: [(key: String, value: JSONValue)] = [("name", .string(layer.outputNames[f]))]
        if conv.hasBias { filter.append(("bias", .number(Double(conv.bias[f])))) }
        filter.append(("weights", .array(planes)))
        return .object(filter)
      }
      members.append(("filters", .array(filters)))
      return .object(members)
    }
  }

  static func pair(_ p: Pair) -> JSONValue { numbers(p.values) }

  static func padding(_ p: Padding) -> JSONValue { numbers(p.sides) }

  static func paddingRule(_ rule: PaddingRule) -> JSONValue {
    if let word = rule.word { return .string(word) }
    guard case .fixed(let p) = rule else { return .null }
    return padding(p)
  }

  /// One number alone, several as an array.
  static func numbers(_ values: [Int]) -> JSONValue {
    values.count == 1 ? .number(Double(values[0])) : .array(values.map { .number(Double($0)) })
  }
}
