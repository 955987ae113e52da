import Basics
import FilterBanks
import ImageCodecs
import Pipeline

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
    /// The run was stopped (Ctrl-C) while the picture was under way: nothing of it was kept.
    case stopped
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
    case .stopped: return "stopped before it was done; nothing of it was kept"
    }
  }

  public var description: String { "\(path): \(reason)" }

  /// Whether the picture was given up because the run was stopped (not a failure of the picture).
  public var isStopped: Bool { if case .stopped = cause { return true } else { return false } }

  /// What a run of the bank's failure means for the picture.
  static func cause(_ failure: BankRun.Failure) -> Cause {
    switch failure {
    case .doesNotFit(let error): return .bankDoesNotFit(error)
    case .stopped: return .stopped
    }
  }

  /// Runs `body`; its error becomes a failure of the picture at `path`, with `cause`.
  static func catching<T, E: Error>(_ path: String, as cause: (E) -> Cause, _ body: () throws(E) -> T) throws(PictureFailure) -> T {
    do {
      return try body()
    } catch {
      throw PictureFailure(path: path, cause: cause(error))
    }
  }
}
