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
    try Folders.create(path(of: relative))
  }

  /// Removes the files of an earlier result that are not in `keeping` (relative paths): only what
  /// featuremaps writes into a picture's folder (`NN-name.EXT`, `montage.png`, `layerN/NN-name.EXT`,
  /// `NN-name.partials/CC-name.EXT` for any map format's extension), never another picture's result in a
  /// folder inside this one, nor any other file.
  public func removeStaleMaps(keeping: Set<String>) {
    let extensions = Set(MapFormat.registered.map { "." + $0.fileExtension })
    func isMapName(_ name: String) -> Bool {
      extensions.contains { name.hasSuffix($0) } && name.prefix { $0 != "-" }.allSatisfy(\.isNumber) && name.contains("-")
    }
    func entries(_ relative: String) -> [String] {
      (try? FileManager.default.contentsOfDirectory(atPath: path(of: relative))) ?? []
    }
    func removeStale(_ relative: String) {
      if !keeping.contains(relative) { unlink(path(of: relative)) }
    }
    for name in entries("") {
      if isMapName(name) || name == "montage.png" { removeStale(name) }
      let isLayerFolder = name.hasPrefix("layer") && name.dropFirst(5).allSatisfy(\.isNumber) && name.count > 5
      let isPartialsFolder = name.hasSuffix(".partials") && isMapName(String(name.dropLast(".partials".count)) + ".png")
      guard isLayerFolder || isPartialsFolder else { continue }
      for inner in entries(name) where isMapName(inner) { removeStale(name + "/" + inner) }
      rmdir(path(of: name))  // only when emptied: rmdir keeps a folder with files
    }
  }
}
