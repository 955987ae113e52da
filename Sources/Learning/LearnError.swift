/// Why a bank could not be learned: one line; `isUsage` when the request cannot be met (no pictures, K
/// larger than every picture, fewer patches than asked), not when a file failed.
public struct LearnError: Error, CustomStringConvertible, Sendable {
  public var description: String
  public var isUsage: Bool

  public init(_ description: String, isUsage: Bool) {
    self.description = description
    self.isUsage = isUsage
  }
}
