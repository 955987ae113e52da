/// Why a report was not written: one line, naming the file when a file is at fault.
public struct ReportError: Error, CustomStringConvertible, Sendable {
  public var description: String
  /// Whether the fault is in what was asked (a bank that does not fit, a picture too large) rather than
  /// in reading or writing files.
  public var isUsage: Bool

  public init(_ description: String, isUsage: Bool = false) {
    self.description = description
    self.isUsage = isUsage
  }
}
