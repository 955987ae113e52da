import Foundation

/// Text made safe for HTML: in element content and in double-quoted attribute values.
enum HTMLText {
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }

  /// A path relative to the page, as a URL path: each segment percent-encoded where needed.
  static func url(_ relativePath: String) -> String {
    relativePath.split(separator: "/", omittingEmptySubsequences: false).map { segment in
      segment.unicodeScalars.map { scalar -> String in
        let safe = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
          || "-._~".unicodeScalars.contains(scalar)
        return safe ? String(scalar) : String(scalar).utf8.map { String(format: "%%%02X", $0) }.joined()
      }.joined()
    }.joined(separator: "/")
  }
}
