import Basics
import Foundation

/// A picture's new result, built in a hidden folder beside its output folder and moved in only when
/// complete. A failure while writing (a full disk) leaves the earlier result as it was; a run killed at
/// any moment leaves complete files only under final names, and a manifest only beside a complete result.
///
/// Moving in: the earlier manifest goes first (the folder no longer claims to be complete), then each new
/// file is renamed into place (renames need no space), then the earlier result's other files go, and the
/// new manifest comes last.
public struct StagedResult: Sendable {
  public static let prefix = ".featuremaps-staging-"

  /// Where the sinks write.
  public let staging: OutputFolder
  /// The picture's output folder.
  public let destination: OutputFolder

  /// Creates the staging folder beside `destination` (and its parents), after removing any that a killed
  /// run left there for the same picture.
  public static func begin(_ destination: String) throws(OutputError) -> StagedResult {
    let url = URL(fileURLWithPath: destination)
    let name = url.lastPathComponent
    let parent = OutputFolder(path: url.deletingLastPathComponent().path)
    try parent.makeSubfolder("")
    removeAbandoned(in: parent.path, picture: name)
    let staging = OutputFolder(path: parent.path(of: "\(prefix)\(getpid())-\(UUID().uuidString.prefix(8))-\(tag(name))"))
    TemporaryFiles.shared.registerFolder(staging.path)
    try staging.makeSubfolder("")
    return StagedResult(staging: staging, destination: OutputFolder(path: destination))
  }

  /// Moves the new result into the output folder, replacing the earlier one. Two runs publishing into the
  /// same folder at once take turns (an exclusive lock on the folder): the last one's result is there,
  /// complete, and both succeed.
  public func publish() throws(OutputError) {
    let files = Self.files(in: staging.path)
    try destination.makeSubfolder("")
    let lock = open(destination.path, O_RDONLY)
    if lock >= 0 { flock(lock, LOCK_EX) }
    defer { if lock >= 0 { close(lock) } }  // closing releases the lock
    let manifest = destination.path(of: ManifestSink.fileName)
    if unlink(manifest) != 0 && errno != ENOENT {
      throw OutputError(path: manifest, reason: "cannot replace the earlier manifest: \(OutputError.systemReason())")
    }
    for file in files where file != ManifestSink.fileName {
      if let slash = file.lastIndex(of: "/") { try destination.makeSubfolder(String(file[..<slash])) }
      try move(file)
    }
    destination.removeStaleMaps(keeping: Set(files))
    if files.contains(ManifestSink.fileName) { try move(ManifestSink.fileName) }
    abandon()
  }

  /// Removes the staging folder and what is in it (the earlier result stays as it was).
  public func abandon() {
    try? FileManager.default.removeItem(atPath: staging.path)
    TemporaryFiles.shared.unregisterFolder(staging.path)
  }

  private func move(_ relative: String) throws(OutputError) {
    if rename(staging.path(of: relative), destination.path(of: relative)) != 0 {
      throw OutputError(path: destination.path(of: relative), reason: "cannot move the finished file into place: \(OutputError.systemReason())")
    }
  }

  /// Every file under `folder`, relative to it, sorted.
  static func files(in folder: String) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
    var files: [String] = []
    for case let relative as String in enumerator {
      var isFolder: ObjCBool = false
      if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder), !isFolder.boolValue { files.append(relative) }
    }
    return files.sorted()
  }

  /// Removes the staging folders a killed run left beside `destination` (a picture's output folder).
  public static func removeAbandoned(beside destination: String) {
    let url = URL(fileURLWithPath: destination)
    removeAbandoned(in: url.deletingLastPathComponent().path, picture: url.lastPathComponent)
  }

  /// A picture's folder name as a staging folder carries it: 16 hexadecimal digits of its FNV-1a hash, so
  /// that a staging folder's name has a fixed length whatever the picture's (a picture named with the
  /// longest name the file system allows still gets a staging folder).
  static func tag(_ picture: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in picture.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Staging folders for `picture` in `parent` whose process is gone (killed before it could clean up).
  static func removeAbandoned(in parent: String, picture: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
    let tag = tag(picture)
    for name in names where name.hasPrefix(prefix) && name.hasSuffix("-" + tag) {
      let rest = name.dropFirst(prefix.count)
      guard let pid = Int32(rest.prefix { $0 != "-" }), pid != getpid() else { continue }
      // The suffix matches; the middle must be exactly "PID-XXXXXXXX-".
      guard rest.count == String(pid).count + 10 + tag.count else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: parent + "/" + name) }
    }
  }
}
