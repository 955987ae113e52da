import Basics
import ConvEngine
import FilterBanks

/// The values of `featuremaps import`'s layer options, read from their command-line text.
enum Options {
  typealias Failure = Import.Failure

  /// `N` or `Y,X`.
  static func pair(_ text: String, _ option: String) throws(Failure) -> Pair {
    let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, parts.count <= 2, parts.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= BankLimits.maximumStrideOrDilation }) else {
      throw Failure(message: "\(option) must be N or Y,X with whole numbers from 1 to \(BankLimits.maximumStrideOrDilation), not '\(text)'")
    }
    return parts.count == 1 ? Pair(parts[0]!) : Pair(parts[0]!, parts[1]!)
  }

  /// `same`, `valid`, `N`, `PY,PX` or `TOP,LEFT,BOTTOM,RIGHT`.
  static func padding(_ text: String) throws(Failure) -> PaddingRule {
    switch text {
    case "same": return .same
    case "valid": return .fixed(.none)
    default:
      let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard [1, 2, 4].contains(parts.count), parts.allSatisfy({ ($0 ?? -1) >= 0 && ($0 ?? -1) <= BankLimits.maximumPadding }) else {
        throw Failure(message: "--padding must be same, valid, N, PY,PX or TOP,LEFT,BOTTOM,RIGHT, not '\(text)'")
      }
      let p = parts.map { $0! }
      switch p.count {
      case 1: return .fixed(Padding(top: p[0], left: p[0], bottom: p[0], right: p[0]))
      case 2: return .fixed(Padding(top: p[0], left: p[1], bottom: p[0], right: p[1]))
      default: return .fixed(Padding(top: p[0], left: p[1], bottom: p[2], right: p[3]))
      }
    }
  }

  static func paddingMode(_ text: String?) throws(Failure) -> PaddingMode {
    guard let text else { return .zeros }
    guard let mode = PaddingMode(rawValue: text) else {
      throw Failure(message: "--padding-mode must be \(PaddingMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
    }
    return mode
  }

  static func activation(_ text: String, slope: Double?) throws(Failure) -> Activation {
    switch text {
    case "none": return .none
    case "relu": return .relu
    case "relu6": return .relu6
    case "leaky_relu": return .leakyReLU(negativeSlope: Float(slope ?? 0.01))
    case "sigmoid": return .sigmoid
    case "tanh": return .tanh
    default: throw Failure(message: "--activation must be none, relu, relu6, leaky_relu, sigmoid or tanh, not '\(text)'")
    }
  }

  /// The bank's input: channels, range, means and standard deviations.
  static func input(channels: String?, range: String?, mean: String?, std: String?) throws(Failure) -> FilterBank.Input {
    let names = channels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? ["R", "G", "B"]
    let known: Set = ["R", "G", "B", "Y"]
    guard !names.isEmpty, names.allSatisfy(known.contains), Set(names).count == names.count, !names.contains("Y") || names.count == 1 else {
      throw Failure(message: "--channels must list R, G, B (in any order, each once) or Y alone, not '\(channels ?? "")'")
    }
    func numbers(_ text: String?, _ option: String, count: Int, fallback: Float) throws(Failure) -> [Float] {
      guard let text else { return [Float](repeating: fallback, count: count) }
      let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
      guard values.count == count, values.allSatisfy({ $0?.isFinite == true }) else {
        throw Failure(message: "\(option) must be \(count) number\(count == 1 ? "" : "s") separated by commas, not '\(text)'")
      }
      return values.map { $0! }
    }
    let bounds = try numbers(range, "--range", count: 2, fallback: 0)
    let means = try numbers(mean, "--mean", count: names.count, fallback: 0)
    let stds = try numbers(std, "--std", count: names.count, fallback: 1)
    if range != nil && bounds[0] >= bounds[1] { throw Failure(message: "--range must be LO,HI with LO < HI, not '\(range!)'") }
    if stds.contains(where: { $0 <= 0 }) { throw Failure(message: "--std must be positive numbers, not '\(std!)'") }
    return FilterBank.Input(channels: names, range: range == nil ? (0, 1) : (bounds[0], bounds[1]), mean: means, std: stds)
  }

  /// `key=value` as a member of the bank's source.
  static func member(_ text: String) -> (key: String, value: JSONValue) {
    let parts = text.split(separator: "=", maxSplits: 1)
    return (String(parts[0]), .string(parts.count > 1 ? String(parts[1]) : ""))
  }
}
