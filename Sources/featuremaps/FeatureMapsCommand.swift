import ArgumentParser
import Basics
import Figures
import Foundation

/// `featuremaps`: the root command. Running pictures is the default subcommand.
@main
struct FeatureMapsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "featuremaps",
    abstract: "Apply a filter bank (a CNN's first conv layers) to pictures and write every feature map as a grayscale image.",
    discussion: """
      Each filter has a distinct kernel for each input channel (R, G, B); each kernel is correlated with its \
      own plane and the results are summed, plus one bias: exactly a Conv2D layer.

      'run' is the default subcommand: 'featuremaps photo.jpg --bank edges --out maps/' runs it, and \
      'featuremaps run --help' lists its options.

      Exit status, for every subcommand: 0 done; 1 a picture or input failed (the others are still \
      done); 2 bad usage, a bad bank or weights file, an output that cannot be created, a bad --layer; \
      130 interrupted (rerun with --skip-existing to finish).
      """,
    version: "0.1.0",
    subcommands: [Run.self, Banks.self, Import.self, Learn.self, Explain.self, Summary.self, MontageCommand.self, Kernels.self, ReportCommand.self, Serve.self],
    defaultSubcommand: Run.self)

  /// ArgumentParser exits with 64 for usage errors; featuremaps documents 2, as most Unix tools do. The
  /// run's errors are gone (released) before the process exits, and so are the drawing caches: a process
  /// that ends, even refusing its arguments, leaves LeakSanitizer nothing to report.
  static func main() {
    ProcessMemory.reuseLargeBuffers()
    let status = run(Array(CommandLine.arguments.dropFirst()))
    DrawingCaches.release()
    if status != 0 { Foundation.exit(status) }
  }

  /// Parses and runs the command; prints what it has to say and returns the exit status.
  static func run(_ arguments: [String]) -> Int32 {
    if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
      print(helpMessage(for: Self.self))
      return 0
    }
    if let refusal = SubcommandSuggestion.refusal(for: arguments, names: configuration.subcommands.map { $0._commandName }) {
      FileHandleOutput.standardError("featuremaps: \(refusal)")
      return ExitStatus.usage.rawValue
    }
    do {
      var command = try parseAsRoot(arguments)
      try command.run()
      return 0
    } catch let refusal as any EndsCommand {
      // Every subcommand's refusals end here: one line, and the status the README's table gives.
      FileHandleOutput.standardError("featuremaps: \(refusal.failure.line)")
      return refusal.failure.status.rawValue
    } catch {
      let code = exitCode(for: error)
      let message = fullMessage(for: error)
      if code == .success {
        if !message.isEmpty { print(message) }  // --help, --version, completion scripts
        return 0
      }
      if !message.isEmpty { FileHandleOutput.standardError(message) }
      return code == .validationFailure ? ExitStatus.usage.rawValue : code.rawValue
    }
  }
}
