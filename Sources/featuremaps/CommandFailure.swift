import Basics
import FilterBanks
import Learning
import Report
import Teaching
import WeightsFiles

/// The exit statuses featuremaps documents (the README's table), the same for every subcommand.
enum ExitStatus: Int32 {
  /// A picture or input failed (the others, if any, were done).
  case inputFailed = 1
  /// Bad usage, a bad bank or weights file, an output that cannot be created, a bad --layer.
  case usage = 2
  /// Interrupted: rerun with --skip-existing to finish.
  case interrupted = 130
}

/// How a command ends when it cannot do what was asked: one line on standard error (after "featuremaps: ")
/// and a status. Commands throw these, or errors that say which they are (`EndsCommand`); `main` prints
/// and exits in one place.
struct CommandFailure: Error, CustomStringConvertible {
  var line: String
  var status: ExitStatus

  init(_ line: String, _ status: ExitStatus) {
    self.line = line
    self.status = status
  }

  var description: String { line }

  /// An input (a picture, a folder, a manifest) that could not be read.
  static func input(_ path: String, _ reason: String) -> CommandFailure { CommandFailure("\(path): \(reason)", .inputFailed) }
  /// An output that could not be created or written: its folder missing, a file in the way.
  static func output(_ error: OutputError) -> CommandFailure { CommandFailure(error.description, .usage) }
}

/// A module's error that carries its own line and knows which status it means.
protocol EndsCommand: Error {
  var failure: CommandFailure { get }
}

extension CommandFailure: EndsCommand {
  var failure: CommandFailure { self }
}

extension BankError: EndsCommand {
  var failure: CommandFailure { CommandFailure(description, .usage) }
}

extension WeightsError: EndsCommand {
  var failure: CommandFailure { CommandFailure(description, .usage) }
}

extension TeachingError: EndsCommand {
  var failure: CommandFailure { CommandFailure(message, .usage) }
}

extension ReportError: EndsCommand {
  var failure: CommandFailure { CommandFailure(description, isUsage ? .usage : .inputFailed) }
}

extension LearnError: EndsCommand {
  var failure: CommandFailure { CommandFailure(description, isUsage ? .usage : .inputFailed) }
}

extension OutputError: EndsCommand {
  var failure: CommandFailure { .output(self) }
}
