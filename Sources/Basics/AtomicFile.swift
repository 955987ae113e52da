import Foundation

/// A file written under a temporary name in its destination folder and renamed to its final name only
/// when complete, so that an interrupted run never leaves a partial file under a final name.
/// Temporary names start with `.featuremaps-tmp-` so that a cleanup can find and remove them.
public struct AtomicFile: Sendable {
  public static let temporaryPrefix = ".featuremaps-tmp-"

  public let finalPath: String
  public let temporaryPath: String

  public init(finalPath: String) {
    self.finalPath = finalPath
    let url = URL(fileURLWithPath: finalPath)
    let unique = "\(getpid())-\(UUID().uuidString.prefix(8))"
    temporaryPath = url.deletingLastPathComponent()
      .appendingPathComponent("\(Self.temporaryPrefix)\(unique)-\(url.lastPathComponent)").path
    TemporaryFiles.shared.register(temporaryPath)
  }

  /// Renames the finished temporary file to its final name, replacing an earlier file of that name.
  public func commit() throws(OutputError) {
    defer { TemporaryFiles.shared.unregister(temporaryPath) }
    if rename(temporaryPath, finalPath) != 0 {
      let reason = OutputError.systemReason()
      unlink(temporaryPath)
      throw OutputError(path: finalPath, reason: "cannot rename the finished file into place: \(reason)")
    }
  }

  /// Removes the temporary file.
  public func discard() {
    unlink(temporaryPath)
    TemporaryFiles.shared.unregister(temporaryPath)
  }

  /// Writes `bytes` atomically to `path`.
  public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
    let file = AtomicFile(finalPath: path)
    let written = FileManager.default.createFile(atPath: file.temporaryPath, contents: Data(bytes))
    guard written else {
      file.discard()
      throw OutputError(path: path, reason: "cannot create the file")
    }
    try file.commit()
  }
}
