import Basics

extension ExplainedPixel {
  /// `{"layer", "filter", "x", "y", "stride", "dilation", "channels": [{"name", "patch", "padded", "kernel",
  /// "products", "sum"}], "sum", "bias", "pre_activation", "activation", "activation_formula", "value" (the engine's), "defined_value" (the definition's),
  /// "gray"}` and a few more.
  public var json: JSONValue {
    func pair(_ p: ConvEngine.Pair) -> JSONValue { .array([.number(Double(p.y)), .number(Double(p.x))]) }
    func floats(_ rows: [[Float]]) -> JSONValue { .array(rows.map { .array($0.map { .number(Double($0)) }) }) }
    return .object([
      ("layer", .number(Double(layer))), ("filter", .string(filter)), ("filter_index", .number(Double(filterIndex))),
      ("x", .number(Double(x))), ("y", .number(Double(y))), ("stride", pair(stride)), ("dilation", pair(dilation)),
      ("padding", .array([padding.top, padding.left, padding.bottom, padding.right].map { .number(Double($0)) })),
      ("padding_mode", .string(paddingMode.rawValue)),
      ("rows", .array(rows.map { .number(Double($0)) })), ("columns", .array(columns.map { .number(Double($0)) })),
      ("channels", .array(channels.map { channel in
        .object([
          ("name", .string(channel.name)), ("index", .number(Double(channel.index))), ("patch", floats(channel.patch)),
          ("padded", .array(channel.padded.map { .array($0.map { .bool($0) }) })), ("kernel", floats(channel.kernel)),
          ("products", .array(channel.products.map { .array($0.map { .number($0) }) })), ("sum", .number(channel.sum)),
        ])
      })),
      ("sum", .number(sum)), ("bias", .number(Double(bias))), ("pre_activation", .number(Double(preActivation))),
      ("activation", .string(activation)), ("activation_formula", .string(activationFormula)), ("value", .number(Double(value))),
      ("defined_value", .number(Double(definedValue))), ("gray", .number(Double(gray))),
      ("maximum_gray", .number(Double(mapping.maximumGray))),
      ("mapping", .object([("normalize", .string(mapping.modeName)), ("scale", .string(scope)), ("offset", .number(mapping.offset)),
                           ("gray_step", .number(mapping.scale)), ("of_magnitude", .bool(mapping.ofMagnitude))])),
    ])
  }
}

import ConvEngine
