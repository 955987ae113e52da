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

  /// Writes `bytes` atomically to `path`; a failure says why in the system's words ("no space left on
  /// device").
  public static func write(_ bytes: [UInt8], to path: String) throws(OutputError) {
    let stream = try Stream(finalPath: path)
    bytes.withUnsafeBytes { stream.write($0) }
    try stream.finish()
  }

  /// A file written piece by piece under its temporary name: `finish` gives it its final name; a stream
  /// dropped before that removes the file. A failed write is told by `finish`.
  public final class Stream {
    public let file: AtomicFile
    private var descriptor: Int32
    private var failure: Int32 = 0

    public init(finalPath: String) throws(OutputError) {
      file = AtomicFile(finalPath: finalPath)
      descriptor = open(file.temporaryPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      guard descriptor >= 0 else {
        let reason = OutputError.systemReason()
        file.discard()
        throw OutputError(path: finalPath, reason: "cannot create the file: \(reason)")
      }
    }

    deinit {
      guard descriptor >= 0 else { return }
      close(descriptor)
      file.discard()
    }

    public func write(_ buffer: UnsafeRawBufferPointer) {
      guard failure == 0, descriptor >= 0 else { return }
      var offset = 0
      while offset < buffer.count {
        let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
        if written < 0 {
          if errno == EINTR { continue }
          failure = errno
          return
        }
        offset += written
      }
    }

    public func finish() throws(OutputError) {
      guard descriptor >= 0 else { return }
      if close(descriptor) != 0 && failure == 0 { failure = errno }
      descriptor = -1
      guard failure == 0 else {
        file.discard()
        throw OutputError(path: file.finalPath, reason: "cannot write: \(OutputError.systemReason(failure))")
      }
      try file.commit()
    }
  }
}
