/// Why a bank file was refused. `path` is where in the JSON document, e.g. `layers[0].filters[3].kernels.G`.
public struct BankError: Error, Equatable, CustomStringConvertible, Sendable {
  public var file: String
  public var path: String
  public var reason: String

  public init(file: String, path: String, reason: String) {
    self.file = file
    self.path = path
    self.reason = reason
  }

  public var description: String { path.isEmpty ? "\(file): \(reason)" : "\(file): \(path): \(reason)" }
}
