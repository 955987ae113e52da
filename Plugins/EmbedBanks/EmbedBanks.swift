import Foundation
import PackagePlugin

/// Embeds the shipped banks (`Filters/*.json`) in the target that uses this plugin, as the Swift file
/// `EmbeddedBanks.swift` (an enum holding each file's name and exact text, written by `embed-banks.sh`),
/// so that an installed binary needs no other file. The banks in Filters/ stay the only copy of their
/// numbers in the repository.
///
/// Inputs are every bank and the folder: a bank edited or added is embedded at the next build. SwiftPM
/// keeps a build command's inputs from build to build, so after *removing* a bank the build stops with
/// "missing inputs: Filters/NAME.json" until `swift package clean`.
@main
struct EmbedBanks: BuildToolPlugin {
  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let folder = context.package.directoryURL.appending(path: "Filters")
    let banks = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == "json" }
      .sorted { $0.path < $1.path }
    let script = context.package.directoryURL.appending(path: "Plugins/EmbedBanks/embed-banks.sh")
    let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedBanks.swift")
    return [
      .buildCommand(
        displayName: "Embedding the banks of Filters/", executable: URL(fileURLWithPath: "/bin/sh"),
        arguments: [script.path, context.pluginWorkDirectoryURL.path, folder.path],
        inputFiles: banks + [folder, script], outputFiles: [output])
    ]
  }
}
