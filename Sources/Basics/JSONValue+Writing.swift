extension JSONValue {
  /// Compact JSON text when `indent` is nil, else pretty-printed with that many spaces.
  public func serialized(indent: Int? = 2) -> String {
    var out = ""
    write(into: &out, indent: indent, level: 0)
    return out
  }

  private func write(into out: inout String, indent: Int?, level: Int) {
    let newline = indent == nil ? "" : "\n"
    let pad = { (n: Int) in String(repeating: " ", count: (indent ?? 0) * n) }
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let n): out += Self.format(n)
    case .string(let s): out += Self.quote(s)
    case .array(let items):
      if items.isEmpty { out += "[]"; return }
      // Arrays of numbers stay on one line: they are rows of kernels or statistics.
      let flat = items.allSatisfy { if case .number = $0 { return true } else { return false } }
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += flat || indent == nil ? ", " : "," }
        if !flat { out += newline + pad(level + 1) }
        item.write(into: &out, indent: indent, level: level + 1)
      }
      out += flat ? "]" : newline + pad(level) + "]"
    case .object(let members):
      if members.isEmpty { out += "{}"; return }
      out += "{"
      for (i, member) in members.enumerated() {
        out += (i > 0 ? "," : "") + newline + pad(level + 1) + Self.quote(member.key) + (indent == nil ? ":" : ": ")
        member.value.write(into: &out, indent: indent, level: level + 1)
      }
      out += newline + pad(level) + "}"
    }
  }

  /// Integers without a fraction, other numbers with the shortest text that reads back the same.
  public static func format(_ n: Double) -> String {
    guard n.isFinite else { return "null" }
    if n == n.rounded(), abs(n) < 1e15 { return String(Int64(n)) }
    return "\(n)"
  }

  public static func quote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
