/// Why `explain` or `summary` cannot answer: a one-line message (the command adds `featuremaps: `).
public struct TeachingError: Error, Equatable, CustomStringConvertible, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
