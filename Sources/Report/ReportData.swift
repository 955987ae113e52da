import Basics
import ConvEngine
import FilterBanks
import Foundation
import Pipeline
import Teaching

/// The numbers the page's script explains pixels with: every conv layer's weights, bias, geometry and
/// activation, its input and output values, and each map's gray mapping. Floats travel as base64 of their
/// little-endian bytes, so that the script reads exactly the values the engine used and computed.
enum ReportData {
  /// Which tensors the page embeds (0: the picture's, i + 1: layer i's output): each conv layer's input
  /// and output.
  static func embeddedTensors(_ bank: FilterBank) -> [Int] {
    Array(Set(bank.convLayerIndices.flatMap { [$0, $0 + 1] })).sorted()
  }

  /// `run` has computed every conv layer (the report's layers), so each tensor is there already.
  static func json(bank: FilterBank, layers: [ReportLayer], run: BankRun) -> JSONValue {
    let embedded = Set(embeddedTensors(bank))
    func ints(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
    let tensorValues: [JSONValue] = (0...bank.layers.count).map { i in
      // Tensor i: the picture's (0), or layer i - 1's output.
      guard embedded.contains(i), let tensor = try? (i == 0 ? run.input(ofLayer: 0) : run.output(ofLayer: i - 1)) else { return .null }
      return .object([("shape", ints([tensor.channels, tensor.height, tensor.width])), ("values", .string(base64(tensor.values)))])
    }
    let layerValues: [JSONValue] = layers.map { layer in
      let run = layer.run
      let conv = run.conv
      let p = run.geometry.padding
      return .object([
        ("number", .number(Double(run.number))),
        ("input", .number(Double(run.index))), ("output", .number(Double(run.index + 1))),
        ("inputNames", .array(run.inputNames.map { .string($0) })), ("filters", .array(run.filterNames.map { .string($0) })),
        ("kernel", ints([conv.kernel.y, conv.kernel.x])), ("stride", ints([conv.stride.y, conv.stride.x])),
        ("dilation", ints([conv.dilation.y, conv.dilation.x])), ("padding", ints([p.top, p.left, p.bottom, p.right])),
        ("paddingMode", .string(conv.paddingMode.rawValue)), ("channelsPerGroup", .number(Double(conv.channelsPerGroup))),
        ("filtersPerGroup", .number(Double(conv.filtersPerGroup))), ("flip", .bool(conv.flip)),
        ("activation", activation(conv.activation)),
        ("weights", .string(base64(conv.weights))), ("bias", .string(base64(conv.bias))),
        ("maps", .array(layer.maps.map { map in
          .object([
            ("file", .string("images/" + map.file)),
            ("offset", .number(map.mapping.offset)), ("scale", .number(map.mapping.scale)),
            ("ofMagnitude", .bool(map.mapping.ofMagnitude)), ("maximumGray", .number(Double(map.mapping.maximumGray))),
            ("mode", .string(map.mapping.modeName)),
          ])
        })),
      ])
    }
    return .object([("tensors", .array(tensorValues)), ("layers", .array(layerValues))])
  }

  static func activation(_ activation: Activation) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [("kind", .string(activation.name))]
    for (name, values) in activation.parameters {
      switch name {
      case "negative_slope": members.append(("slope", .number(Double(values[0]))))
      case "slopes": members.append(("slopes", .array(values.map { .number(Double($0)) })))
      default: members.append((name, .number(Double(values[0]))))
      }
    }
    return .object(members)
  }

  static func base64(_ values: [Float]) -> String {
    var bytes = [UInt8](repeating: 0, count: values.count * 4)
    for (i, v) in values.enumerated() {
      let bits = v.bitPattern
      bytes[i * 4] = UInt8(truncatingIfNeeded: bits)
      bytes[i * 4 + 1] = UInt8(truncatingIfNeeded: bits >> 8)
      bytes[i * 4 + 2] = UInt8(truncatingIfNeeded: bits >> 16)
      bytes[i * 4 + 3] = UInt8(truncatingIfNeeded: bits >> 24)
    }
    return Data(bytes).base64EncodedString()
  }
}
