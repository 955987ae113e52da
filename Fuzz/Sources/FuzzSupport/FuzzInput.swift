import Foundation

/// What the fuzz targets share: the input as bytes, and as a file for the readers that take paths.
public enum FuzzInput {
  public static func bytes(_ data: UnsafePointer<UInt8>, _ count: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: count))
  }

  /// The input written to a file in memory (/dev/shm) named `name`, for readers that open paths.
  public static func file(_ data: UnsafePointer<UInt8>, _ count: Int, name: String) -> String {
    let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = "\(folder)/featuremaps-fuzz-\(getpid())-\(name)"
    FileManager.default.createFile(atPath: path, contents: Data(bytes: data, count: count))
    return path
  }

  /// The weights files of the tests, for banks that take filters "from" them: FUZZ_WEIGHTS, or the
  /// repository's folder next to this package.
  public static var weightsFolder: String {
    ProcessInfo.processInfo.environment["FUZZ_WEIGHTS"]
      ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Tests/WeightsFilesTests/Files").path
  }
}
