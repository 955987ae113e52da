/// A vertical and a horizontal amount (stride, dilation, pooling size).
public struct Pair: Sendable, Equatable, CustomStringConvertible {
  public var y: Int
  public var x: Int
  public init(_ y: Int, _ x: Int) {
    self.y = y
    self.x = x
  }
  public init(_ both: Int) { self.init(both, both) }
  public var description: String { y == x ? "\(y)" : "[\(y), \(x)]" }
}

/// Padding added around each plane, in pixels.
public struct Padding: Sendable, Equatable {
  public var top: Int
  public var left: Int
  public var bottom: Int
  public var right: Int
  public init(top: Int, left: Int, bottom: Int, right: Int) {
    self.top = top
    self.left = left
    self.bottom = bottom
    self.right = right
  }
  public static let none = Padding(top: 0, left: 0, bottom: 0, right: 0)
}

/// How much padding a layer asks for: fixed amounts, or "same" (resolved once the input size is known).
public enum PaddingRule: Sendable, Equatable {
  case fixed(Padding)
  /// ONNX SAME_UPPER: `ceil(in / stride)` outputs, the odd extra pixel at the bottom/right.
  /// Equals PyTorch's `padding='same'` when the stride is 1.
  case same

  /// The padding for an input side of `height` x `width`.
  public func resolve(height: Int, width: Int, kernel: Pair, stride: Pair, dilation: Pair) -> Padding {
    switch self {
    case .fixed(let padding):
      return padding
    case .same:
      func split(_ input: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
        let output = (input + s - 1) / s
        let total = max(0, (output - 1) * s + d * (k - 1) + 1 - input)
        return (total / 2, total - total / 2)
      }
      let (top, bottom) = split(height, kernel.y, stride.y, dilation.y)
      let (left, right) = split(width, kernel.x, stride.x, dilation.x)
      return Padding(top: top, left: left, bottom: bottom, right: right)
    }
  }
}

/// What fills the padding. Shown for a row `a b c d` padded by 3 on the left.
public enum PaddingMode: String, Sendable, CaseIterable {
  /// `0 0 0 | a b c d`
  case zeros
  /// `d c b | a b c d`: mirrored, edge not repeated (PyTorch `reflect`); padding < side.
  case reflect
  /// `a a a | a b c d` (PyTorch `replicate`).
  case replicate
  /// `b c d | a b c d`: wraps around (PyTorch `circular`); padding <= side.
  case circular
  /// `c b a | a b c d`: mirrored, edge repeated (NumPy `symmetric`); padding <= side.
  case symmetric

  /// The source index for padded coordinate `i` of a side of `n` samples, or nil for a zero.
  /// Precondition: the padding is within the mode's limit (see `maximumPadding`).
  @inline(__always)
  public func sourceIndex(_ i: Int, side n: Int) -> Int? {
    if i >= 0 && i < n { return i }
    switch self {
    case .zeros: return nil
    case .replicate: return i < 0 ? 0 : n - 1
    case .reflect: return i < 0 ? -i : 2 * (n - 1) - i
    case .symmetric: return i < 0 ? -i - 1 : 2 * n - 1 - i
    case .circular: return ((i % n) + n) % n
    }
  }

  /// The largest padding this mode can fill on a side of `n` samples (as PyTorch allows).
  public func maximumPadding(side n: Int) -> Int {
    switch self {
    case .zeros, .replicate: return Int.max
    case .reflect: return n - 1
    case .circular, .symmetric: return n
    }
  }
}
