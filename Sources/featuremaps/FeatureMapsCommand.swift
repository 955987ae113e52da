import ArgumentParser
import Basics
import Figures

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
    subcommands: [Run.self, Banks.self, Import.self, Learn.self, Explain.self, Summary.self, MontageCommand.self, Kernels.self, ReportCommand.self],
    defaultSubcommand: Run.self)

  /// ArgumentParser exits with 64 for usage errors; featuremaps documents 2, as most Unix tools do.
  static func main() {
    ProcessMemory.reuseLargeBuffers()
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
      print(helpMessage(for: Self.self))
      return
    }
    if let refusal = SubcommandSuggestion.refusal(for: arguments, names: configuration.subcommands.map { $0._commandName }) {
      FileHandleOutput.standardError("featuremaps: \(refusal)")
      Self.exit(withError: ExitCode(ExitStatus.usage.rawValue))
    }
    do {
      var command = try parseAsRoot()
      try command.run()
      DrawingCaches.release()
    } catch let refusal as any EndsCommand {
      // Every subcommand's refusals end here: one line, and the status the README's table gives.
      FileHandleOutput.standardError("featuremaps: \(refusal.failure.line)")
      DrawingCaches.release()
      Self.exit(withError: ExitCode(refusal.failure.status.rawValue))
    } catch {
      DrawingCaches.release()
      let code = exitCode(for: error)
      if code == .success {
        exit(withError: error)  // --help, --version
      }
      let message = fullMessage(for: error)
      if !message.isEmpty { FileHandleOutput.standardError(message) }
      let status: Int32 = code == .validationFailure ? 2 : code.rawValue
      Self.exit(withError: ExitCode(status))
    }
  }
}
