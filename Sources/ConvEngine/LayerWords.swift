/// The forms a layer's options take wherever they are written (a bank's JSON, the command line, an imported
/// model): a pair `N` or `[y, x]`, padding `same`, `valid`, `N`, `[py, px]` or `[top, left, bottom, right]`.
/// Readers turn their syntax into numbers and words and call these, so that each form means one thing.

/// Why a word or a list of numbers is not a layer option's value: a phrase that readers put after the place
/// (a JSON path, an option).
public struct LayerWordError: Error, Sendable, Equatable, CustomStringConvertible {
  public var reason: String
  public init(_ reason: String) { self.reason = reason }
  public var description: String { reason }

  /// `a, b or c`.
  static func list(_ words: [String]) -> String {
    words.count < 2 ? words.joined() : words.dropLast().joined(separator: ", ") + " or " + words.last!
  }
}

extension Pair {
  /// One value for both, or `[y, x]`.
  public init?(values: [Int]) {
    switch values.count {
    case 1: self.init(values[0])
    case 2: self.init(values[0], values[1])
    default: return nil
    }
  }

  /// The shortest list that reads back to the pair.
  public var values: [Int] { y == x ? [y] : [y, x] }
}

extension Padding {
  /// One value for every side, `[py, px]`, or `[top, left, bottom, right]`.
  public init?(sides: [Int]) {
    switch sides.count {
    case 1: self.init(top: sides[0], left: sides[0], bottom: sides[0], right: sides[0])
    case 2: self.init(top: sides[0], left: sides[1], bottom: sides[0], right: sides[1])
    case 4: self.init(top: sides[0], left: sides[1], bottom: sides[2], right: sides[3])
    default: return nil
    }
  }

  /// The shortest list that reads back to the padding.
  public var sides: [Int] {
    if top == bottom && left == right { return top == left ? [top] : [top, left] }
    return [top, left, bottom, right]
  }
}

extension PaddingRule {
  /// The words a padding may be given as, besides numbers.
  public static let words = ["same", "valid"]

  /// `same`, or `valid` (no padding).
  public static func named(_ word: String) -> PaddingRule? {
    switch word {
    case "same": return .same
    case "valid": return .fixed(.none)
    default: return nil
    }
  }

  /// `same`, or the sides of a fixed padding.
  public var word: String? { self == .same ? "same" : nil }
}

extension PaddingMode {
  /// The mode called `name`, or why not.
  public static func named(_ name: String) -> Result<PaddingMode, LayerWordError> {
    guard let mode = PaddingMode(rawValue: name) else {
      return .failure(LayerWordError("unknown padding mode \"\(name)\"; expected \(LayerWordError.list(allCases.map(\.rawValue)))"))
    }
    return .success(mode)
  }
}

extension PoolLayer.Kind {
  /// The layer type a bank names this pooling by.
  public var layerType: String { self == .max ? "maxpool" : "avgpool" }
}
