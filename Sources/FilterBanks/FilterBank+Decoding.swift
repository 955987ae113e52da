import Basics
import ConvEngine
import Foundation

extension FilterBank {
  /// The bytes of the bank file at `path`, refused when missing or over the size limit.
  public static func readFile(_ path: String) throws(BankError) -> [UInt8] {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
      throw BankError(file: path, path: "", reason: "no such bank file")
    }
    if let size = attributes[.size] as? Int, size > BankLimits.maximumFileBytes {
      throw BankError(file: path, path: "", reason: "the file is \(size) bytes, over the limit of \(BankLimits.maximumFileBytes) for a bank")
    }
    guard let bytes = try? FileBytes.read(path) else { throw BankError(file: path, path: "", reason: "cannot be read") }
    return bytes
  }

  /// The name of a bank whose file gives none: the file name without its extension.
  public static func defaultName(_ path: String) -> String {
    URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
  }

  /// Parses and validates bank JSON text.
  /// `folder` is where the bank file is, for the weights files its layers take filters `from`, which
  /// `weights` reads; nil (a built-in bank) refuses them.
  public static func parse(_ bytes: [UInt8], file: String, defaultName: String = "bank", folder: String? = nil,
                           weights: (any WeightsResolving)? = nil) throws(BankError) -> FilterBank {
    if bytes.count > BankLimits.maximumFileBytes {
      throw BankError(file: file, path: "", reason: "the bank is \(bytes.count) bytes, over the limit of \(BankLimits.maximumFileBytes)")
    }
    let json: JSONValue
    do {
      json = try StrictJSONParser.parse(bytes)
    } catch {
      throw BankError(file: file, path: "", reason: error.description)
    }
    return try BankDecoder(file: file, folder: folder, weights: weights).bank(json, defaultName: defaultName)
  }
}

/// Turns a parsed JSON document into a validated `FilterBank`, naming the JSON path of every problem.
struct BankDecoder {
  let file: String
  /// Where `from` files are, relative to; nil for a bank that has no folder (a built-in one).
  let folder: String?
  /// Reads the weights files that layers take filters `from`.
  let weights: (any WeightsResolving)?

  func fail(_ path: String, _ reason: String) -> BankError { BankError(file: file, path: path, reason: reason) }

  // MARK: - The document

  static let rootKeys: Set<String> = ["format", "name", "description", "source", "input", "layers", "comment"]

  func bank(_ json: JSONValue, defaultName: String) throws(BankError) -> FilterBank {
    guard case .object(let members) = json else { throw fail("", "a bank must be a JSON object, got \(json.kindName)") }
    guard let format = json["format"] else {
      throw fail("format", "missing; a bank starts with \"format\": \"\(FilterBank.formatName)\"")
    }
    let formatName = try string(format, "format")
    guard formatName == FilterBank.formatName else {
      throw fail("format", "unknown format \"\(formatName)\"; this featuremaps reads \"\(FilterBank.formatName)\"")
    }
    let singleLayer = json["filters"] != nil
    let allowed = singleLayer ? Self.rootKeys.union(Self.convKeys) : Self.rootKeys
    try onlyKnownKeys(members, allowed, "")

    let name = try json["name"].map { (v) throws(BankError) in try string(v, "name") } ?? defaultName
    let description = try json["description"].map { (v) throws(BankError) in try string(v, "description") } ?? ""
    let source = try json["source"].map { (v) throws(BankError) in try self.source(v) }
    let input = try json["input"].map { (v) throws(BankError) in try self.input(v) } ?? .rgb

    let layerValues: [(JSONValue, String)]
    if singleLayer {
      if json["layers"] != nil { throw fail("layers", "a bank has either \"layers\" or a single layer's \"filters\" at the top, not both") }
      layerValues = [(json, "")]
    } else {
      guard let layersJSON = json["layers"] else { throw fail("layers", "missing; a bank needs \"layers\" (or a single layer's \"filters\")") }
      let items = try array(layersJSON, "layers")
      if items.isEmpty { throw fail("layers", "a bank needs at least one layer") }
      if items.count > BankLimits.maximumLayers { throw fail("layers", "\(items.count) layers, over the limit of \(BankLimits.maximumLayers)") }
      layerValues = items.enumerated().map { ($1, "layers[\($0)]") }
    }

    var channels = input.channels
    var layers: [BankLayer] = []
    var totalWeights = 0
    for (value, path) in layerValues {
      let convNumber = layers.filter { if case .conv = $0.layer { return true } else { return false } }.count + 1
      let layer = try self.layer(value, path: path, inputChannels: channels, convNumber: convNumber)
      if case .conv(let conv) = layer.layer {
        totalWeights += conv.weights.count
        if totalWeights > BankLimits.maximumWeights {
          throw fail(path, "the bank has more than \(BankLimits.maximumWeights) weights, over the limit")
        }
      }
      channels = layer.outputNames
      layers.append(layer)
    }
    guard layers.contains(where: { if case .conv = $0.layer { return true } else { return false } }) else {
      throw fail("layers", "a bank needs at least one conv layer")
    }
    return FilterBank(name: name, description: description, source: source, input: input, layers: layers)
  }

  func source(_ json: JSONValue) throws(BankError) -> FilterBank.Source {
    guard case .object(let members) = json else { throw fail("source", "expected an object, got \(json.kindName)") }
    // Free-form provenance, but for the three members whose meaning is fixed.
    for key in ["kind", "details", "license"] { _ = try json[key].map { (v) throws(BankError) in try string(v, "source.\(key)") } }
    let kinds = ["hand-designed", "learned", "imported"]
    if case .string(let kind)? = json["kind"], !kinds.contains(kind) {
      throw fail("source.kind", "expected one of \(kinds.joined(separator: ", ")), got \"\(kind)\"")
    }
    return FilterBank.Source(members: members)
  }

  func input(_ json: JSONValue) throws(BankError) -> FilterBank.Input {
    guard case .object(let members) = json else { throw fail("input", "expected an object, got \(json.kindName)") }
    try onlyKnownKeys(members, ["channels", "range", "mean", "std"], "input")
    var channels = ["R", "G", "B"]
    if let value = json["channels"] {
      let items = try array(value, "input.channels")
      channels = []
      for (i, item) in items.enumerated() { channels.append(try string(item, "input.channels[\(i)]")) }
      let known: Set = ["R", "G", "B", "Y"]
      if channels.isEmpty { throw fail("input.channels", "expected at least one channel") }
      if let unknown = channels.first(where: { !known.contains($0) }) {
        throw fail("input.channels", "unknown channel \"\(unknown)\"; a picture gives \"R\", \"G\", \"B\" (colour) or \"Y\" (luma)")
      }
      if Set(channels).count != channels.count { throw fail("input.channels", "a channel is listed twice") }
      if channels.contains("Y") && channels.count > 1 { throw fail("input.channels", "\"Y\" (luma) cannot be mixed with colour channels") }
    }
    var range: (Float, Float) = (0, 1)
    if let value = json["range"] {
      let bounds = try numbers(value, "input.range")
      guard bounds.count == 2, bounds[0] < bounds[1] else { throw fail("input.range", "expected [low, high] with low < high") }
      range = (bounds[0], bounds[1])
    }
    func perChannel(_ key: String, _ fallback: Float) throws(BankError) -> [Float] {
      guard let value = json[key] else { return Array(repeating: fallback, count: channels.count) }
      let list = try numbers(value, "input.\(key)")
      if list.count != channels.count {
        throw fail("input.\(key)", "expected \(channels.count) numbers (one per channel of input.channels), got \(list.count)")
      }
      return list
    }
    let mean = try perChannel("mean", 0)
    let std = try perChannel("std", 1)
    if let i = std.firstIndex(where: { $0 <= 0 }) { throw fail("input.std[\(i)]", "must be greater than 0") }
    return FilterBank.Input(channels: channels, range: range, mean: mean, std: std)
  }

  // MARK: - Layers

  static let convKeys: Set<String> = [
    "type", "name", "stride", "dilation", "groups", "padding", "padding_mode", "activation", "negative_slope",
    "alpha", "beta", "min", "max", "slopes", "flip", "filters", "from", "as_trained", "comment",
  ]
  static let poolKeys: Set<String> = ["type", "name", "size", "stride", "padding", "comment"]

  func layer(_ json: JSONValue, path: String, inputChannels: [String], convNumber: Int) throws(BankError) -> BankLayer {
    guard case .object(let members) = json else { throw fail(path, "expected a layer object, got \(json.kindName)") }
    let at = { (key: String) in path.isEmpty ? key : "\(path).\(key)" }
    let type = try json["type"].map { (v) throws(BankError) in try string(v, at("type")) } ?? (path.isEmpty ? "conv" : "")
    switch type {
    case "conv":
      if !path.isEmpty { try onlyKnownKeys(members, Self.convKeys, path) }
      return try ConvLayerDecoder(bank: self, json: json, path: path, inputChannels: inputChannels, convNumber: convNumber).decode()
    case "maxpool", "avgpool":
      try onlyKnownKeys(members, Self.poolKeys, path)
      let size = try pair(json["size"], at("size"), default: nil, range: 1...BankLimits.maximumKernelSide)
      let stride = try pair(json["stride"], at("stride"), default: size, range: 1...BankLimits.maximumStrideOrDilation)
      let padding = try fixedPadding(json["padding"], at("padding"))
      if padding.top > size.y / 2 || padding.bottom > size.y / 2 || padding.left > size.x / 2 || padding.right > size.x / 2 {
        throw fail(at("padding"), "pooling padding must be at most half the window size (\(size.x)x\(size.y)), as in PyTorch")
      }
      let pool = PoolLayer(kind: type == "maxpool" ? .max : .average, size: size, stride: stride, padding: padding)
      return BankLayer(layer: .pool(pool), outputNames: inputChannels, path: path)
    case "":
      throw fail(at("type"), "missing; expected \"conv\", \"maxpool\" or \"avgpool\"")
    default:
      throw fail(at("type"), "unknown layer type \"\(type)\"; expected \"conv\", \"maxpool\" or \"avgpool\"")
    }
  }

  // MARK: - Values

  func onlyKnownKeys(_ members: [(key: String, value: JSONValue)], _ known: Set<String>, _ path: String) throws(BankError) {
    for member in members where !known.contains(member.key) {
      let at = path.isEmpty ? member.key : "\(path).\(member.key)"
      throw fail(at, "unknown key; expected one of \(known.sorted().joined(separator: ", "))")
    }
  }

  func string(_ json: JSONValue, _ path: String) throws(BankError) -> String {
    guard case .string(let s) = json else { throw fail(path, "expected a string, got \(json.kindName)") }
    return s
  }

  func array(_ json: JSONValue, _ path: String) throws(BankError) -> [JSONValue] {
    guard case .array(let items) = json else { throw fail(path, "expected an array, got \(json.kindName)") }
    return items
  }

  /// A finite number that fits Float32.
  func number(_ json: JSONValue, _ path: String) throws(BankError) -> Float {
    guard case .number(let n) = json else { throw fail(path, "expected a number, got \(json.kindName)") }
    guard n.isFinite, abs(n) <= Double(Float.greatestFiniteMagnitude) else {
      throw fail(path, "the number \(n) is outside the Float32 range")
    }
    return Float(n)
  }

  func numbers(_ json: JSONValue, _ path: String) throws(BankError) -> [Float] {
    var result: [Float] = []
    for (i, item) in try array(json, path).enumerated() { result.append(try number(item, "\(path)[\(i)]")) }
    return result
  }

  func integer(_ json: JSONValue, _ path: String, range: ClosedRange<Int>) throws(BankError) -> Int {
    guard case .number(let n) = json, n == n.rounded(), abs(n) < 1e15 else {
      throw fail(path, "expected a whole number, got \(json.kindName == "a number" ? "a fraction" : json.kindName)")
    }
    guard range.contains(Int(n)) else {
      throw fail(path, "\(Int(n)) is out of range; expected \(range.lowerBound)...\(range.upperBound)")
    }
    return Int(n)
  }

  /// An integer or `[y, x]`.
  func pair(_ json: JSONValue?, _ path: String, default fallback: Pair?, range: ClosedRange<Int>) throws(BankError) -> Pair {
    guard let json else {
      if let fallback { return fallback }
      throw fail(path, "missing")
    }
    var values: [Int] = []
    if case .array(let items) = json {
      for (i, item) in items.enumerated() { values.append(try integer(item, "\(path)[\(i)]", range: range)) }
      guard items.count == 2, let pair = Pair(values: values) else { throw fail(path, "expected a whole number or [y, x], got \(items.count) numbers") }
      return pair
    }
    return Pair(try integer(json, path, range: range))
  }

  /// An integer, `[py, px]` or `[top, left, bottom, right]`.
  func fixedPadding(_ json: JSONValue?, _ path: String) throws(BankError) -> Padding {
    guard let json else { return .none }
    let range = 0...BankLimits.maximumPadding
    if case .array(let items) = json {
      var values: [Int] = []
      for (i, item) in items.enumerated() { values.append(try integer(item, "\(path)[\(i)]", range: range)) }
      guard values.count != 1, let padding = Padding(sides: values) else {
        throw fail(path, "expected a whole number, [py, px] or [top, left, bottom, right], got \(values.count) numbers")
      }
      return padding
    }
    return Padding(sides: [try integer(json, path, range: range)])!
  }
}
