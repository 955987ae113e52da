#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Creating folders with the system's reason when it fails ("file name too long", "no space left on
/// device", "permission denied"), which Foundation's createDirectory does not give.
public enum Folders {
  /// Creates `path` and any missing parents (`mkdir -p`).
  public static func create(_ path: String) throws(OutputError) {
    var built = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/", omittingEmptySubsequences: true) {
      built += "/" + component
      if mkdir(built, 0o755) != 0 && errno != EEXIST {
        throw OutputError(path: path, reason: "cannot create the folder: \(OutputError.systemReason())")
      }
    }
    var status = stat()
    guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
      throw OutputError(path: path, reason: "cannot create the folder: a file of that name is in the way")
    }
  }
}
