import Foundation
import ImageCodecs

/// One picture to process and where its maps go.
public struct PlannedPicture: Sendable, Equatable {
  /// The path to read.
  public var path: String
  /// The output folder relative to `--out`, e.g. `cats/tom`.
  public var outputName: String
}

/// What the inputs on the command line expand to.
public struct InputPlan: Sendable {
  public var pictures: [PlannedPicture] = []
  /// Files inside walked folders that are not pictures (recognised by content) and do not claim to be
  /// (no .jpg, .jpeg or .png name): counted, not reported one by one.
  public var notPictures = 0
  /// Named inputs that do not exist or are not pictures, and files in folders named like pictures that are
  /// none: failures, reported and counted.
  public var failures: [PictureFailure] = []
  /// The output folder, when it lies inside a walked folder: left out of the walk.
  public var leftOut: String?
}

/// Expands files and folders into pictures with their output folders.
///
/// The output tree mirrors the input: a named file `a/b.jpg` goes to `b/`; a file `cats/tom.jpg` under a
/// named folder `photos/` goes to `cats/tom/`. When two pictures would get the same folder, every one of
/// them keeps its extension (`a.jpg/`, `a.png/`), as does a picture beside a folder of its name
/// (`cats.jpg/` beside `cats/tom/`), so that no result is inside another; if they still collide, the ones
/// after the first in path order get `~2`, `~3`, ... The same path given twice is processed once.
public struct InputPlanner {
  public var includeHidden = false
  /// A folder never walked into (the output folder: its maps must not be read back as pictures).
  public var excluded: String?

  public init(includeHidden: Bool = false, excluding excluded: String? = nil) {
    self.includeHidden = includeHidden
    self.excluded = excluded.map { URL(fileURLWithPath: $0).standardized.resolvingSymlinksInPath().path }
  }

  /// Names a picture file would have.
  static let pictureExtensions: Set<String> = ["jpg", "jpeg", "png"]

  public func plan(_ inputs: [String]) -> InputPlan {
    var plan = InputPlan()
    var candidates: [(path: String, relative: String)] = []
    var seen = Set<String>()
    for input in inputs {
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
        plan.failures.append(PictureFailure(path: input, cause: .missing))
        continue
      }
      if isDirectory.boolValue {
        let (files, leftOut) = walk(input)
        if leftOut { plan.leftOut = excluded }
        for relative in files {
          let path = input.hasSuffix("/") ? input + relative : input + "/" + relative
          guard seen.insert(URL(fileURLWithPath: path).standardized.path).inserted else { continue }
          if PictureDecoder.looksLikePicture(path: path) {
            candidates.append((path, relative))
          } else if Self.pictureExtensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased()) {
            plan.failures.append(PictureFailure(path: path, cause: .decoding(.notAPicture(path: path))))
          } else {
            plan.notPictures += 1
          }
        }
      } else {
        guard seen.insert(URL(fileURLWithPath: input).standardized.path).inserted else { continue }
        if PictureDecoder.looksLikePicture(path: input) {
          candidates.append((input, URL(fileURLWithPath: input).lastPathComponent))
        } else {
          plan.failures.append(PictureFailure(path: input, cause: .decoding(.notAPicture(path: input))))
        }
      }
    }
    plan.pictures = Self.outputNames(candidates)
    return plan
  }

  /// Files under `folder`, relative to it, sorted; hidden files and folders skipped unless asked, and the
  /// excluded folder left out (said by `leftOut`).
  func walk(_ folder: String) -> (files: [String], leftOut: Bool) {
    let url = URL(fileURLWithPath: folder)
    let options: FileManager.DirectoryEnumerationOptions = includeHidden ? [] : [.skipsHiddenFiles]
    guard let enumerator = FileManager.default.enumerator(
      at: url, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey], options: options)
    else { return ([], false) }
    let base = url.standardized.path
    var files: [String] = []
    var leftOut = false
    for case let file as URL in enumerator {
      if let excluded, (try? file.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true,
        file.standardized.resolvingSymlinksInPath().path == excluded {
        enumerator.skipDescendants()
        leftOut = true
        continue
      }
      // A symbolic link to a file counts as that file; links to folders are not followed (no cycles).
      let target = file.resolvingSymlinksInPath()
      guard (try? target.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
      let full = file.standardized.path
      guard full.hasPrefix(base + "/") else { continue }
      files.append(String(full.dropFirst(base.count + 1)))
    }
    return (files.sorted(), leftOut)
  }

  /// Output folders for pictures given as (path, path relative to its named input).
  public static func outputNames(_ candidates: [(path: String, relative: String)]) -> [PlannedPicture] {
    func stem(_ relative: String) -> String {
      let url = URL(fileURLWithPath: relative, relativeTo: URL(fileURLWithPath: "/"))
      let name = url.deletingPathExtension().lastPathComponent
      // Not NSString.deletingLastPathComponent: swift-corelibs-foundation traps on a one-character string
      // (found by fuzzing: a picture named "x" crashed the batch).
      let parent = relative.lastIndex(of: "/").map { String(relative[..<$0]) } ?? ""
      return parent.isEmpty ? name : parent + "/" + name
    }
    let stems = candidates.map { stem($0.relative) }
    var stemCounts: [String: Int] = [:]
    for s in stems { stemCounts[s.lowercased(), default: 0] += 1 }
    // The folders other pictures' outputs go into: a picture whose stem is one of them (photos/cats.jpg
    // beside photos/cats/) would get its result around theirs, so it keeps its extension too.
    var folders = Set<String>()
    for s in stems {
      var parent = s.lowercased()
      while let slash = parent.lastIndex(of: "/") {
        parent = String(parent[..<slash])
        folders.insert(parent)
      }
    }
    // Colliding stems keep their extension.
    let names = candidates.indices.map { i in
      stemCounts[stems[i].lowercased()]! > 1 || folders.contains(stems[i].lowercased()) ? candidates[i].relative : stems[i]
    }
    // Still colliding (the same relative name under two inputs): number them in path order.
    let order = candidates.indices.sorted { candidates[$0].path < candidates[$1].path }
    var used: [String: Int] = [:]
    var result = [PlannedPicture](repeating: PlannedPicture(path: "", outputName: ""), count: candidates.count)
    for i in order {
      let key = names[i].lowercased()
      used[key, default: 0] += 1
      let n = used[key]!
      result[i] = PlannedPicture(path: candidates[i].path, outputName: n == 1 ? names[i] : "\(names[i])~\(n)")
    }
    return result
  }
}
