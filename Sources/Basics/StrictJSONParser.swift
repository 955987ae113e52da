/// A parser for exactly RFC 8259 JSON. Unlike Foundation's JSONSerialization it refuses trailing
/// commas, duplicate object keys, comments, leading zeros and non-finite numbers, and it says where.
public struct StrictJSONParser {
  public struct SyntaxError: Error, Equatable, CustomStringConvertible, Sendable {
    public var line: Int
    public var column: Int
    public var reason: String
    public var description: String { "not valid JSON at line \(line), column \(column): \(reason)" }
  }

  /// Nesting deeper than this is refused (no real bank comes close) so that hostile input cannot
  /// exhaust the stack.
  public static let maximumDepth = 64

  private let bytes: [UInt8]
  private var index = 0
  private var depth = 0

  public static func parse(_ text: [UInt8]) throws(SyntaxError) -> JSONValue {
    var parser = StrictJSONParser(bytes: text)
    if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }  // a UTF-8 byte order mark
    parser.skipWhitespace()
    let value = try parser.parseValue()
    parser.skipWhitespace()
    if parser.index < parser.bytes.count { throw parser.error("unexpected text after the end of the document") }
    return value
  }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private func error(_ reason: String, at position: Int? = nil) -> SyntaxError {
    let end = min(position ?? index, bytes.count)
    var line = 1
    var column = 1
    for byte in bytes[..<end] {
      if byte == 0x0A {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return SyntaxError(line: line, column: column, reason: reason)
  }

  private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

  private mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
  }

  private mutating func expect(_ word: String, value: JSONValue) throws(SyntaxError) -> JSONValue {
    let utf8 = Array(word.utf8)
    guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
      throw error("unexpected character; expected a value")
    }
    index += utf8.count
    return value
  }

  private mutating func parseValue() throws(SyntaxError) -> JSONValue {
    guard let byte = current else { throw error("unexpected end of the document; expected a value") }
    switch byte {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
    case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
    case UInt8(ascii: "n"): return try expect("null", value: .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
    case UInt8(ascii: "/"): throw error("comments are not allowed in JSON")
    default:
      // A byte that is not printable ASCII (a binary file given as JSON) is shown by its value, never raw.
      let shown = (0x20..<0x7F).contains(byte) ? "character '\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
      throw error("unexpected \(shown); expected a value")
    }
  }

  private mutating func enter() throws(SyntaxError) {
    depth += 1
    if depth > Self.maximumDepth { throw error("nested deeper than \(Self.maximumDepth) levels") }
  }

  private mutating func parseObject() throws(SyntaxError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var members: [(key: String, value: JSONValue)] = []
    var seen = Set<String>()
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else {
        throw error(current == UInt8(ascii: "}") ? "trailing comma before '}'" : "expected a member name in double quotes")
      }
      let keyStart = index
      let key = try parseString()
      if !seen.insert(key).inserted { throw error("duplicate key \"\(key)\"", at: keyStart) }
      skipWhitespace()
      guard current == UInt8(ascii: ":") else { throw error("expected ':' after the member name") }
      index += 1
      skipWhitespace()
      members.append((key, try parseValue()))
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): index += 1
      case UInt8(ascii: "}"):
        index += 1
        return .object(members)
      default: throw error("expected ',' or '}' after a member")
      }
    }
  }

  private mutating func parseArray() throws(SyntaxError) -> JSONValue {
    try enter()
    defer { depth -= 1 }
    index += 1
    var items: [JSONValue] = []
    skipWhitespace()
    if current == UInt8(ascii: "]") {
      index += 1
      return .array(items)
    }
    while true {
      skipWhitespace()
      if current == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
      items.append(try parseValue())
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","): index += 1
      case UInt8(ascii: "]"):
        index += 1
        return .array(items)
      default: throw error("expected ',' or ']' after an array element")
      }
    }
  }

  private mutating func parseNumber() throws(SyntaxError) -> Double {
    let start = index
    func digits() -> Int {
      let from = index
      while let byte = current, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { index += 1 }
      return index - from
    }
    if current == UInt8(ascii: "-") { index += 1 }
    let integerStart = index
    let integerDigits = digits()
    if integerDigits == 0 { throw error("a number needs digits") }
    if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") { throw error("numbers may not have leading zeros", at: integerStart) }
    if current == UInt8(ascii: ".") {
      index += 1
      if digits() == 0 { throw error("a number needs digits after the decimal point") }
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      index += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
      if digits() == 0 { throw error("a number needs digits in its exponent") }
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard let value = Double(text), value.isFinite else { throw error("the number \(text) is out of range", at: start) }
    return value
  }

  private mutating func parseString() throws(SyntaxError) -> String {
    index += 1  // the opening quote
    var scalars = String.UnicodeScalarView()
    var chunkStart = index
    func flush(_ parser: StrictJSONParser) throws(SyntaxError) {
      guard let text = String(validating: parser.bytes[chunkStart..<parser.index], as: UTF8.self) else {
        throw parser.error("a string is not valid UTF-8")
      }
      scalars.append(contentsOf: text.unicodeScalars)
    }
    while true {
      guard let byte = current else { throw error("unterminated string") }
      if byte == UInt8(ascii: "\"") {
        try flush(self)
        index += 1
        return String(scalars)
      }
      if byte < 0x20 { throw error("control characters must be escaped in strings") }
      if byte != UInt8(ascii: "\\") {
        index += 1
        continue
      }
      try flush(self)
      index += 1
      guard let escape = current else { throw error("unterminated string") }
      index += 1
      switch escape {
      case UInt8(ascii: "\""): scalars.append("\"")
      case UInt8(ascii: "\\"): scalars.append("\\")
      case UInt8(ascii: "/"): scalars.append("/")
      case UInt8(ascii: "b"): scalars.append("\u{08}")
      case UInt8(ascii: "f"): scalars.append("\u{0C}")
      case UInt8(ascii: "n"): scalars.append("\n")
      case UInt8(ascii: "r"): scalars.append("\r")
      case UInt8(ascii: "t"): scalars.append("\t")
      case UInt8(ascii: "u"):
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
          guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
            throw error("a lone UTF-16 surrogate in a \\u escape")
          }
          index += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else { throw error("a lone UTF-16 surrogate in a \\u escape") }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw error("a lone UTF-16 surrogate in a \\u escape") }
        scalars.append(scalar)
      default: throw error("invalid escape sequence in a string")
      }
      chunkStart = index
    }
  }

  private mutating func hex4() throws(SyntaxError) -> UInt32 {
    guard bytes.count - index >= 4 else { throw error("a \\u escape needs 4 hex digits") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { throw error("a \\u escape needs 4 hex digits") }
      value = value * 16 + UInt32(digit)
      index += 1
    }
    return value
  }
}
