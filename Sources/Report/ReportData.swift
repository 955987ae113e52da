import Basics
import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs
import Pipeline
import Teaching

/// The numbers the page's script explains pixels with: every conv layer's weights, bias, geometry and
/// activation, its input and output values, and each map's gray mapping. Floats travel as base64 of their
/// little-endian bytes, so that the script reads exactly the values the engine used and computed; the
/// tensors' bytes are first shuffled (every value's first bytes, then its second bytes...: maps of nearby
/// values then repeat) and compressed with raw DEFLATE, which the page undoes with the browser's own
/// `DecompressionStream`: a page of vgg16-block1's 128 maps of 224x149 is 9 MB instead of 23.
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
    // Tensor i: the picture's (0), or layer i - 1's output; compressed side by side (the slow part).
    let tensors: [Tensor?] = (0...bank.layers.count).map { i in
      guard embedded.contains(i) else { return nil }
      return try? (i == 0 ? run.input(ofLayer: 0) : run.output(ofLayer: i - 1))
    }
    var compressed = [String?](repeating: nil, count: tensors.count)
    compressed.withUnsafeMutableBufferPointer { out in
      Parallel.forEach(tensors.count, threads: ProcessorCount.active) { i in  // each writes its own element
        if let tensor = tensors[i] { out[i] = deflated(tensor.values) }
      }
    }
    let tensorValues: [JSONValue] = zip(tensors, compressed).map { tensor, text in
      guard let tensor, let text else { return .null }
      return .object([("shape", ints([tensor.channels, tensor.height, tensor.width])), ("deflated", .string(text))])
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

  /// The values' little-endian bytes, shuffled by byte position, raw-DEFLATE-compressed, in base64.
  static func deflated(_ values: [Float]) -> String {
    let n = values.count
    var shuffled = [UInt8](repeating: 0, count: n * 4)
    for (i, v) in values.enumerated() {
      let bits = v.bitPattern
      for b in 0..<4 { shuffled[b * n + i] = UInt8(truncatingIfNeeded: bits >> (8 * b)) }
    }
    return Data(RawDeflate.compress(shuffled)).base64EncodedString()
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
