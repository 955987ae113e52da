import ArgumentParser
import Basics

/// `featuremaps`: the root command. Running pictures is the default subcommand.
@main
struct FeatureMapsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "featuremaps",
    abstract: "Apply a filter bank (a CNN's first conv layers) to pictures and write every feature map as a grayscale image.",
    discussion: """
      Each filter has a distinct kernel for each input channel (R, G, B); each kernel is correlated with its \
      own plane and the results are summed, plus one bias: exactly a Conv2D layer.

      Exit status: 0 every picture done; 1 some picture failed (the others are still written); \
      2 bad usage or a bad bank; 130 interrupted (rerun with --skip-existing to finish).
      """,
    version: "0.1.0",
    subcommands: [Run.self, Banks.self, Import.self, Learn.self, Explain.self, Summary.self, MontageCommand.self, Kernels.self, ReportCommand.self],
    defaultSubcommand: Run.self)

  /// ArgumentParser exits with 64 for usage errors; featuremaps documents 2, as most Unix tools do.
  static func main() {
    ProcessMemory.reuseLargeBuffers()
    // `featuremaps --help` shows the main job's options: that is what people run it for.
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
      print(helpMessage(for: Run.self))
      return
    }
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
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
