#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a file or folder could not be written. `path` is what was being written; `reason` is the one line
/// the user sees after the picture's path ("cannot write: no space left on device").
public struct OutputError: Error, Equatable, CustomStringConvertible, Sendable {
  public var path: String
  public var reason: String

  public init(path: String, reason: String) {
    self.path = path
    self.reason = reason
  }

  public var description: String { "\(path): \(reason)" }

  /// The system's words for the last failed call (`errno`), as the rest of a line: "no space left on device".
  public static func systemReason(_ code: Int32 = errno) -> String { lowercasingFirst(String(cString: strerror(code))) }

  /// "No space left on device" as "no space left on device" (a message from a library, mid-sentence).
  public static func lowercasingFirst(_ text: String) -> String {
    guard let first = text.first, first.isUppercase, text.dropFirst().first?.isLowercase ?? false else { return text }
    return first.lowercased() + text.dropFirst()
  }
}
