import Basics

/// How a map's values become gray levels. Every mode is an affine mapping
/// `value = offset + scale * gray` (of |value| for `abs`), recorded in the manifest and the PNG.
public enum NormalizeMode: Sendable, Equatable, CustomStringConvertible {
  /// Signed maps: zero is middle gray and the largest magnitude black or white. Maps without negative
  /// values: zero is black and the maximum white.
  case auto
  /// Always signed: zero is middle gray.
  case symmetric
  /// The minimum is black, the maximum white.
  case minmax
  /// |value|: zero is black, the largest magnitude white.
  case abs
  /// A fixed range: `low` is black, `high` white, values outside clipped.
  case range(low: Double, high: Double)
  /// Robust min-max: clip to the P-th and (100 - P)-th percentiles.
  case percentile(Double)

  /// Reads `auto`, `symmetric`, `minmax`, `abs`, `range:LO,HI` or `percentile:P`.
  public init?(argument: String) {
    switch argument {
    case "auto": self = .auto
    case "symmetric": self = .symmetric
    case "minmax": self = .minmax
    case "abs": self = .abs
    default:
      if argument.hasPrefix("range:") {
        let parts = argument.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2, let low = Double(parts[0]), let high = Double(parts[1]), low.isFinite, high.isFinite,
          low < high
        else { return nil }
        self = .range(low: low, high: high)
      } else if argument.hasPrefix("percentile:") {
        guard let p = Double(argument.dropFirst(11)), p >= 0, p < 50 else { return nil }
        self = .percentile(p)
      } else {
        return nil
      }
    }
  }

  public var description: String {
    switch self {
    case .auto: return "auto"
    case .symmetric: return "symmetric"
    case .minmax: return "minmax"
    case .abs: return "abs"
    case .range(let low, let high): return "range:\(JSONValue.format(low)),\(JSONValue.format(high))"
    case .percentile(let p): return "percentile:\(JSONValue.format(p))"
    }
  }

  public var needsHistogram: Bool { if case .percentile = self { return true } else { return false } }
}
