import Basics
import Foundation

/// The folder that receives one picture's result. Created before the first map; an earlier result's
/// manifest is removed first, so that the folder never claims to be complete while its maps are being
/// replaced; maps of the earlier result that this run did not write are removed before the manifest is
/// written again.
public struct OutputFolder: Sendable {
  public let path: String

  /// Creates the folder (and its parents) and removes an earlier manifest.
  public static func prepare(_ path: String) throws(OutputError) -> OutputFolder {
    let folder = OutputFolder(path: path)
    try folder.makeSubfolder("")
    let manifest = folder.path(of: ManifestSink.fileName)
    if FileManager.default.fileExists(atPath: manifest), unlink(manifest) != 0 {
      throw OutputError(path: manifest, reason: "cannot replace the earlier manifest")
    }
    return folder
  }

  /// The full path of a file given relative to the folder.
  public func path(of relative: String) -> String { relative.isEmpty ? path : path + "/" + relative }

  /// Creates a folder inside this one (`layer2/`), or this one itself for "".
  public func makeSubfolder(_ relative: String) throws(OutputError) {
    do {
      try FileManager.default.createDirectory(atPath: path(of: relative), withIntermediateDirectories: true)
    } catch {
      throw OutputError(path: path(of: relative), reason: "cannot create the output folder")
    }
  }

  /// Removes the maps of an earlier run (files with the extension of any map format) that are not in
  /// `keeping`, relative paths.
  public func removeStaleMaps(keeping: Set<String>) {
    let extensions = Set(MapFormat.registered.map { "." + $0.fileExtension })
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return }
    var partialFolders: [String] = []
    for case let relative as String in enumerator {
      let isMap = extensions.contains { relative.hasSuffix($0) }
      if isMap && !keeping.contains(relative) { unlink(path(of: relative)) }
      if relative.hasSuffix(".partials") { partialFolders.append(relative) }
    }
    for folder in partialFolders { rmdir(path(of: folder)) }  // only when emptied: rmdir keeps a folder with files
  }
}
