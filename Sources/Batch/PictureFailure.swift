import Basics
import FilterBanks
import ImageCodecs

/// Why one picture of a batch could not be turned into maps: the phase that failed, with its evidence.
/// The batch goes on; the user sees one line, `PATH: REASON`.
public struct PictureFailure: Error, CustomStringConvertible, Sendable {
  public enum Cause: Sendable {
    /// A named input that does not exist.
    case missing
    /// The file could not be read or decoded.
    case decoding(DecodeError)
    /// The bank cannot be applied to a picture of this size.
    case bankDoesNotFit(BankMismatchError)
    /// A map or the manifest could not be written.
    case output(OutputError)
  }

  /// The picture's path as the user gave it.
  public var path: String
  public var cause: Cause

  public init(path: String, cause: Cause) {
    self.path = path
    self.cause = cause
  }

  public var reason: String {
    switch cause {
    case .missing: return "no such file or folder"
    case .decoding(let error): return error.reason
    case .bankDoesNotFit(let error): return error.description
    case .output(let error): return error.reason
    }
  }

  public var description: String { "\(path): \(reason)" }

  /// Runs `body`; its error becomes a failure of the picture at `path`, with `cause`.
  static func catching<T, E: Error>(_ path: String, as cause: (E) -> Cause, _ body: () throws(E) -> T) throws(PictureFailure) -> T {
    do {
      return try body()
    } catch {
      throw PictureFailure(path: path, cause: cause(error))
    }
  }
}
