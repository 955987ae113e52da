import Foundation

/// Where the repository and the built binary are.
public enum Project {
  public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

  /// The featuremaps binary built next to the test bundle.
  public static var binary: String {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [folder, folder.deletingLastPathComponent()] {
      let path = candidate.appendingPathComponent("featuremaps").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return root.appendingPathComponent(".build/debug/featuremaps").path
  }
}
