import ArgumentParser
import Batch
import ConvEngine
import FilterBanks
import ImageCodecs
import MapWriting
import Normalization

/// The values of options with a vocabulary or a structure, read when the command line is parsed: a value
/// that does not fit is refused there (status 2) with a message that shows a valid one. Options that may
/// take a negative number read their next argument whatever it starts with (`--range -1,1`).
protocol OptionValue: ExpressibleByArgument {
  /// The value `text` spells, or a message (after "The value 'TEXT' is invalid for '--OPTION'") that shows
  /// a valid one.
  static func parse(_ text: String) throws(OptionValueError) -> Self
}

extension OptionValue {
  init?(argument: String) {
    guard let value = try? Self.parse(argument) else { return nil }
    self = value
  }
}

/// Why an option's text is not a value of it: shown by the parser after the option's name.
struct OptionValueError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Numbers separated by commas: `0.5,-1,2e-3`.
func commaSeparatedNumbers(_ text: String) -> [Double]? {
  let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
  guard !parts.isEmpty, parts.allSatisfy({ $0?.isFinite == true }) else { return nil }
  return parts.map { $0! }
}

/// Whole numbers separated by commas: `2` or `1,2`.
func commaSeparatedIntegers(_ text: String) -> [Int]? {
  let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
  guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
  return parts.map { $0! }
}

// MARK: - Maps

extension MapFormat: ExpressibleByArgument, OptionValue {
  public init?(argument: String) {
    guard let format = Self.named(argument) else { return nil }
    self = format
  }

  static func parse(_ text: String) throws(OptionValueError) -> MapFormat {
    guard let format = named(text) else { throw OptionValueError("give \(Words.list(registered.map(\.name))), e.g. --format png16") }
    return format
  }
  public var defaultValueDescription: String { name }
}

extension NormalizeMode: ExpressibleByArgument, OptionValue {
  static func parse(_ text: String) throws(OptionValueError) -> NormalizeMode {
    guard let mode = NormalizeMode(argument: text) else {
      throw OptionValueError(
        "give auto, symmetric, minmax, abs, range:LO,HI (LO < HI) or percentile:P (0 <= P < 50), e.g. --normalize range:-1,1 or --normalize percentile:1")
    }
    return mode
  }
}

/// `--scale`: one gray mapping per map, or one for all the maps of a picture.
enum ScaleScope: String, CaseIterable, ExpressibleByArgument {
  case perMap = "per-map"
  case shared
}

extension StatisticsRegion: ExpressibleByArgument {}

// MARK: - Runs

extension Shard: ExpressibleByArgument, OptionValue {
  static func parse(_ text: String) throws(OptionValueError) -> Shard {
    guard let shard = Shard(argument: text) else { throw OptionValueError("give I/N with 1 <= I <= N, e.g. --shard 2/4") }
    return shard
  }
}

extension PNGCompression.Filter: ExpressibleByArgument {}
extension Engine.Algorithm: ExpressibleByArgument {}

/// `--log`: how each picture is reported on standard output.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
  case json
}

// MARK: - Layers

/// `--stride`, `--dilation`: `N` or `Y,X`, whole numbers from 1.
struct PairValue: OptionValue, CustomStringConvertible {
  var pair: Pair
  var description: String { pair.values.map(String.init).joined(separator: ",") }
  static func parse(_ text: String) throws(OptionValueError) -> PairValue {
    guard let values = commaSeparatedIntegers(text), let pair = Pair(values: values),
      values.allSatisfy({ (1...BankLimits.maximumStrideOrDilation).contains($0) })
    else {
      throw OptionValueError("give N or Y,X with whole numbers from 1 to \(BankLimits.maximumStrideOrDilation), e.g. 2 or 2,1")
    }
    return PairValue(pair: pair)
  }
}

/// `--padding`: `same`, `valid`, `N`, `PY,PX` or `TOP,LEFT,BOTTOM,RIGHT`.
struct PaddingValue: OptionValue, CustomStringConvertible {
  var rule: PaddingRule
  var description: String {
    if let word = rule.word { return word }
    guard case .fixed(let padding) = rule else { return "" }
    return padding == .none ? "valid" : padding.sides.map(String.init).joined(separator: ",")
  }
  static func parse(_ text: String) throws(OptionValueError) -> PaddingValue {
    if let rule = PaddingRule.named(text) { return PaddingValue(rule: rule) }
    guard let sides = commaSeparatedIntegers(text), let padding = Padding(sides: sides),
      sides.allSatisfy({ (0...BankLimits.maximumPadding).contains($0) })
    else {
      throw OptionValueError("give same, valid, N, PY,PX or TOP,LEFT,BOTTOM,RIGHT (0 to \(BankLimits.maximumPadding)), e.g. same or 1 or 0,1,1,0")
    }
    return PaddingValue(rule: .fixed(padding))
  }
}

extension PaddingMode: ExpressibleByArgument {}

/// `--activation`: an activation's name, with its parameters after a colon in the order the bank format
/// lists them (`clip:0,6`, `elu:1`, `hard_sigmoid:0.2,0.5`, `prelu:0.25`); `leaky_relu` also takes its
/// slope from `--negative-slope`.
struct ActivationName: OptionValue, CustomStringConvertible {
  var name: String
  var values: [Float] = []
  var description: String { values.isEmpty ? name : name + ":" + values.map { "\($0)" }.joined(separator: ",") }

  static func parse(_ text: String) throws(OptionValueError) -> ActivationName {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    let name = parts.first ?? ""
    guard Activation.names.contains(name) else {
      throw OptionValueError("give \(Words.list(Activation.names)), e.g. --activation relu or --activation clip:0,6")
    }
    guard parts.count == 2 else { return ActivationName(name: name) }
    let values = parts[1].split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0?.isFinite == true }) else {
      throw OptionValueError("\(name)'s parameters are numbers after a colon, e.g. --activation clip:0,6")
    }
    let order = Activation.parameterNames(of: name)
    guard order == ["slopes"] || values.count <= order.count, !order.isEmpty else {
      throw OptionValueError(order.isEmpty ? "\(name) takes no parameters" : "\(name) takes \(order.count == 1 ? "one" : "up to \(order.count)") parameters: \(order.joined(separator: ", "))")
    }
    return ActivationName(name: name, values: values.map { $0! })
  }

  /// The activation, with `negativeSlope` for leaky_relu (unless the parameters give it); PReLU's slopes are
  /// counted against `filters` when known.
  func activation(negativeSlope: Double?, filters: Int? = nil) throws(CommandFailure) -> Activation {
    let order = Activation.parameterNames(of: name)
    var parameters: [String: [Float]] = [:]
    if order == ["slopes"] {
      parameters["slopes"] = values
    } else {
      for (key, value) in zip(order, values) { parameters[key] = [value] }
    }
    if let negativeSlope {
      guard name == "leaky_relu" else { throw CommandFailure("--negative-slope: a negative slope is only used with leaky_relu", .usage) }
      parameters["negative_slope"] = parameters["negative_slope"] ?? [Float(negativeSlope)]
    }
    switch Activation.named(name, parameters: parameters, filters: filters) {
    case .success(let activation): return activation
    case .failure(let error): throw CommandFailure("--activation: \(error.reason)", .usage)
    }
  }
}

extension WeightsRequest.Layout: ExpressibleByArgument {}

// MARK: - Inputs

/// `--channels`: R, G, B in the weights' order (each once), or Y alone.
struct ChannelList: OptionValue {
  var names: [String]
  static func parse(_ text: String) throws(OptionValueError) -> ChannelList {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    let known: Set = ["R", "G", "B", "Y"]
    guard !names.isEmpty, names.allSatisfy(known.contains), Set(names).count == names.count, !names.contains("Y") || names.count == 1 else {
      throw OptionValueError("list R, G, B (in any order, each once) or Y alone, e.g. --channels B,G,R")
    }
    return ChannelList(names: names)
  }
}

/// `--range LO,HI`: what samples 0...1 map to, LO < HI (negative numbers written the natural way).
struct ValueRange: OptionValue {
  var low: Float
  var high: Float
  static func parse(_ text: String) throws(OptionValueError) -> ValueRange {
    guard let values = commaSeparatedNumbers(text), values.count == 2, values[0] < values[1] else {
      throw OptionValueError("give LO,HI with LO < HI, e.g. --range -1,1")
    }
    return ValueRange(low: Float(values[0]), high: Float(values[1]))
  }
}

/// `--mean`, `--std`: one number per input channel (the count is checked against --channels).
struct NumberList: OptionValue {
  var values: [Float]
  static func parse(_ text: String) throws(OptionValueError) -> NumberList {
    guard let values = commaSeparatedNumbers(text) else { throw OptionValueError("give numbers separated by commas, e.g. -0.5,0.25,0") }
    return NumberList(values: values.map { Float($0) })
  }
}

/// `--at X,Y`: an output pixel, column and row from 0.
struct PixelPosition: OptionValue {
  var x: Int
  var y: Int
  static func parse(_ text: String) throws(OptionValueError) -> PixelPosition {
    guard let values = commaSeparatedIntegers(text), values.count == 2 else {
      throw OptionValueError("give X,Y: the column and row in the layer's output map, e.g. --at 12,7")
    }
    guard values.allSatisfy({ $0 >= 0 }) else {
      throw OptionValueError("a column and a row count from 0, so neither can be negative; e.g. --at 0,5")
    }
    return PixelPosition(x: values[0], y: values[1])
  }
}

/// `--source KEY=VALUE`: a member of the bank's source.
struct SourceMember: OptionValue {
  var key: String
  var value: String
  static func parse(_ text: String) throws(OptionValueError) -> SourceMember {
    let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty else { throw OptionValueError("give KEY=VALUE, e.g. --source license=MIT") }
    return SourceMember(key: String(parts[0]), value: String(parts[1]))
  }
}

/// `--input WxH` (summary): a picture size.
struct PictureSize: OptionValue {
  var width: Int
  var height: Int
  static func parse(_ text: String) throws(OptionValueError) -> PictureSize {
    let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 2, let w = parts[0], let h = parts[1], w >= 1, h >= 1 else { throw OptionValueError("give WIDTHxHEIGHT, e.g. --input 224x224") }
    return PictureSize(width: w, height: h)
  }
}
