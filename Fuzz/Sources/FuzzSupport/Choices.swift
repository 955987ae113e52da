/// The fuzzer's bytes read as a sequence of choices, for targets that build valid-looking inputs (a bank, a
/// graph) instead of feeding bytes to a parser: each mutation of the bytes changes a shape, a count or a
/// link while the input stays well-formed enough to reach the checks behind the parser.
public struct Choices {
  private let bytes: [UInt8]
  private var next = 0

  public init(_ bytes: [UInt8]) { self.bytes = bytes }

  /// True once every byte was used (the choices after that are all the smallest).
  public var isExhausted: Bool { next >= bytes.count }

  /// A number in `range`, from the next byte (or two for wider ranges).
  public mutating func int(_ range: ClosedRange<Int>) -> Int {
    let span = range.upperBound - range.lowerBound + 1
    var value = Int(byte())
    if span > 256 { value = value << 8 | Int(byte()) }
    return range.lowerBound + value % span
  }

  public mutating func bool() -> Bool { byte() & 1 == 1 }

  /// One of `items`.
  public mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

  /// A small float, sometimes zero, negative, huge or not finite.
  public mutating func float() -> Float {
    switch int(0...15) {
    case 0: return 0
    case 1: return .infinity
    case 2: return .nan
    case 3: return 1e30
    default: return Float(int(0...2000) - 1000) / 250
    }
  }

  private mutating func byte() -> UInt8 {
    defer { next += 1 }
    return next < bytes.count ? bytes[next] : 0
  }
}
