/// The few Python literals a `.npy` header holds: a dict of strings, booleans, whole numbers and tuples.
/// Parsed, never evaluated.
indirect enum PythonLiteral: Equatable {
  case string(String)
  case integer(Int)
  case bool(Bool)
  case tuple([PythonLiteral])
  case dict([String: PythonLiteral])

  struct SyntaxError: Error { let reason: String }

  static func parse(_ text: String) throws(SyntaxError) -> PythonLiteral {
    var parser = Parser(scalars: Array(text.unicodeScalars))
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.index == parser.scalars.count else { throw SyntaxError(reason: "unexpected text after the dict") }
    return value
  }

  private struct Parser {
    let scalars: [Unicode.Scalar]
    var index = 0

    mutating func skipSpace() { while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 } }

    mutating func value(depth: Int) throws(SyntaxError) -> PythonLiteral {
      guard depth < 16 else { throw SyntaxError(reason: "nested too deeply") }
      skipSpace()
      guard index < scalars.count else { throw SyntaxError(reason: "ends too early") }
      switch scalars[index] {
      case "{": return try dict(depth: depth)
      case "(": return try tuple(depth: depth)
      case "'", "\"": return .string(try string())
      case "T", "F": return .bool(try word())
      case "-", "0"..."9": return .integer(try integer())
      default: throw SyntaxError(reason: "unexpected '\(scalars[index])'")
      }
    }

    mutating func expect(_ scalar: Unicode.Scalar) throws(SyntaxError) {
      skipSpace()
      guard index < scalars.count, scalars[index] == scalar else { throw SyntaxError(reason: "expected '\(scalar)'") }
      index += 1
    }

    /// Items separated by commas, a trailing comma allowed, up to `close`.
    mutating func items(until close: Unicode.Scalar, _ item: (inout Parser) throws(SyntaxError) -> Void) throws(SyntaxError) {
      while true {
        skipSpace()
        if index < scalars.count, scalars[index] == close {
          index += 1
          return
        }
        try item(&self)
        skipSpace()
        guard index < scalars.count else { throw SyntaxError(reason: "ends too early") }
        if scalars[index] == "," {
          index += 1
        } else if scalars[index] != close {
          throw SyntaxError(reason: "expected ',' or '\(close)'")
        }
      }
    }

    mutating func dict(depth: Int) throws(SyntaxError) -> PythonLiteral {
      index += 1
      var members: [String: PythonLiteral] = [:]
      try items(until: "}") { (parser) throws(SyntaxError) in
        parser.skipSpace()
        let key = try parser.string()
        try parser.expect(":")
        guard members[key] == nil else { throw SyntaxError(reason: "the key '\(key)' appears twice") }
        members[key] = try parser.value(depth: depth + 1)
      }
      return .dict(members)
    }

    mutating func tuple(depth: Int) throws(SyntaxError) -> PythonLiteral {
      index += 1
      var values: [PythonLiteral] = []
      try items(until: ")") { (parser) throws(SyntaxError) in
        guard values.count < 64 else { throw SyntaxError(reason: "a tuple of more than 64 items") }
        values.append(try parser.value(depth: depth + 1))
      }
      return .tuple(values)
    }

    mutating func string() throws(SyntaxError) -> String {
      guard index < scalars.count, scalars[index] == "'" || scalars[index] == "\"" else { throw SyntaxError(reason: "expected a string") }
      let quote = scalars[index]
      index += 1
      var text = String.UnicodeScalarView()
      while index < scalars.count, scalars[index] != quote {
        if scalars[index] == "\\" { throw SyntaxError(reason: "escapes in strings are not expected in a header") }
        text.append(scalars[index])
        index += 1
      }
      guard index < scalars.count else { throw SyntaxError(reason: "an unterminated string") }
      index += 1
      return String(text)
    }

    mutating func word() throws(SyntaxError) -> Bool {
      for (spelling, value) in [("True", true), ("False", false)] {
        let letters = Array(spelling.unicodeScalars)
        if index + letters.count <= scalars.count, Array(scalars[index..<index + letters.count]) == letters {
          index += letters.count
          return value
        }
      }
      throw SyntaxError(reason: "expected True or False")
    }

    mutating func integer() throws(SyntaxError) -> Int {
      let start = index
      if scalars[index] == "-" { index += 1 }
      while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
      // Python 2 headers may write longs as 3L.
      let digits = String(String.UnicodeScalarView(scalars[start..<index]))
      if index < scalars.count, scalars[index] == "L" { index += 1 }
      guard let value = Int(digits) else { throw SyntaxError(reason: "the number \(digits) is out of range") }
      return value
    }
  }
}
