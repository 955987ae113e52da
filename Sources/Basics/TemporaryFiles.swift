import Foundation

/// The temporary files being written right now, so that an interrupted run can remove them all.
public final class TemporaryFiles: @unchecked Sendable {
  public static let shared = TemporaryFiles()
  private let lock = NSLock()
  private var paths = Set<String>()

  func register(_ path: String) { lock.withLock { _ = paths.insert(path) } }
  func unregister(_ path: String) { lock.withLock { _ = paths.remove(path) } }

  /// Deletes every registered temporary file (used when a run is interrupted).
  public func removeAll() {
    let pending = lock.withLock { paths }
    for path in pending { unlink(path) }
  }
}
