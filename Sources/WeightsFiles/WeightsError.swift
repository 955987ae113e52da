/// Why a weights file, or a tensor in it, could not be read. `description` is the one line users see:
/// `FILE: REASON`.
public struct WeightsError: Error, Equatable, CustomStringConvertible, Sendable {
  public var file: String
  public var reason: String

  public init(file: String, reason: String) {
    self.file = file
    self.reason = reason
  }

  public var description: String { "\(file): \(reason)" }
}
