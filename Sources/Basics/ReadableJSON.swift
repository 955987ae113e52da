/// JSON laid out to be read, as the shipped banks are: whatever fits in `width` columns stays on one line
/// (a 3x3 kernel, a bank's input), an array of numbers always does (a kernel row), and the rest has one
/// member or element per line, indented by two.
public enum ReadableJSON {
  public static func text(_ value: JSONValue, width: Int = 110, number: (Double) -> String = JSONValue.format) -> String {
    write(value, indent: 0, width: width, number: number)
  }

  private static func write(_ value: JSONValue, indent: Int, width: Int, number: (Double) -> String) -> String {
    let flat = inline(value, number: number)
    let scalars: Bool
    switch value {
    case .array(let items): scalars = items.allSatisfy { if case .array = $0 { return false } else if case .object = $0 { return false } else { return true } }
    case .object: scalars = false
    default: return flat
    }
    if indent + flat.count <= width || scalars { return flat }
    let pad = String(repeating: " ", count: indent + 2)
    switch value {
    case .array(let items) where !items.isEmpty:
      return "[\n" + items.map { pad + write($0, indent: indent + 2, width: width, number: number) }.joined(separator: ",\n")
        + "\n" + String(repeating: " ", count: indent) + "]"
    case .object(let members) where !members.isEmpty:
      return "{\n" + members.map { pad + JSONValue.quote($0.key) + ": " + write($0.value, indent: indent + 2, width: width, number: number) }
        .joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "}"
    default:
      return flat
    }
  }

  /// One line, with ", " and ": " as separators; `compact` (logs, pages) joins object members with "," and
  /// ":" and keeps ", " between array elements, as featuremaps' JSON lines always have.
  static func inline(_ value: JSONValue, number: (Double) -> String, compact: Bool = false) -> String {
    let (comma, colon) = compact ? (",", ":") : (", ", ": ")
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return number(n)
    case .string(let s): return JSONValue.quote(s)
    case .array(let items): return "[" + items.map { inline($0, number: number, compact: compact) }.joined(separator: ", ") + "]"
    case .object(let members):
      return "{" + members.map { JSONValue.quote($0.key) + colon + inline($0.value, number: number, compact: compact) }.joined(separator: comma) + "}"
    }
  }

  /// A number that came from a Float32, written as the shortest text that reads back to the same Float32
  /// (0.1, not 0.10000000149011612); whole numbers without a fraction; anything else as a Double.
  public static func float32Number(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    let single = Float(value)
    if Double(single) == value {
      let text = "\(single)"
      if let back = Double(text), Float(back) == single { return text }
    }
    return JSONValue.format(value)
  }
}
