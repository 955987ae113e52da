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

  /// The bank's JSON text, laid out as the shipped banks are, numbers as the Float32 values they hold.
  public func text(source: Source? = nil) -> String {
    ReadableJSON.text(json(source: source), number: ReadableJSON.float32Number) + "\n"
  }

  static func json(_ layer: BankLayer) -> JSONValue {
    switch layer.layer {
    case .pool(let pool):
      return .object([
        ("type", .string(pool.kind == .max ? "maxpool" : "avgpool")), ("size", pair(pool.size)), ("stride", pair(pool.stride)),
        ("padding", padding(pool.padding)),
      ])
    case .conv(let conv):
      var members: [(key: String, value: JSONValue)] = [
        ("type", .string("conv")), ("stride", pair(conv.stride)), ("dilation", pair(conv.dilation)),
        ("groups", .number(Double(conv.groups))),
        ("padding", conv.padding == .same ? .string("same") : { if case .fixed(let p) = conv.padding { return padding(p) } else { return .null } }()),
        ("padding_mode", .string(conv.paddingMode.rawValue)),
      ]
      switch conv.activation {
      case .none: members.append(("activation", .string("none")))
      case .relu: members.append(("activation", .string("relu")))
      case .relu6: members.append(("activation", .string("relu6")))
      case .sigmoid: members.append(("activation", .string("sigmoid")))
      case .tanh: members.append(("activation", .string("tanh")))
      case .leakyReLU(let slope):
        members.append(("activation", .string("leaky_relu")))
        members.append(("negative_slope", .number(Double(slope))))
      }
      if conv.flip { members.append(("flip", .bool(true))) }
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

  static func pair(_ p: Pair) -> JSONValue { p.y == p.x ? .number(Double(p.y)) : .array([.number(Double(p.y)), .number(Double(p.x))]) }

  static func padding(_ p: Padding) -> JSONValue {
    if p.top == p.bottom && p.left == p.right {
      return p.top == p.left ? .number(Double(p.top)) : .array([.number(Double(p.top)), .number(Double(p.left))])
    }
    return .array([p.top, p.left, p.bottom, p.right].map { .number(Double($0)) })
  }
}
