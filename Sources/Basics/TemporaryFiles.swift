import Foundation

/// The temporary files and folders being written right now, so that an interrupted run can remove them all.
public final class TemporaryFiles: @unchecked Sendable {
  public static let shared = TemporaryFiles()
  private let lock = NSLock()
  private var paths = Set<String>()
  private var folders = Set<String>()

  func register(_ path: String) { lock.withLock { _ = paths.insert(path) } }
  func unregister(_ path: String) { lock.withLock { _ = paths.remove(path) } }

  /// A folder removed whole, with what is in it.
  public func registerFolder(_ path: String) { lock.withLock { _ = folders.insert(path) } }
  public func unregisterFolder(_ path: String) { lock.withLock { _ = folders.remove(path) } }

  /// Deletes every registered temporary file and folder (used when a run is interrupted).
  public func removeAll() {
    let (pendingFiles, pendingFolders) = lock.withLock { (paths, folders) }
    for path in pendingFiles { unlink(path) }
    for folder in pendingFolders { try? FileManager.default.removeItem(atPath: folder) }
  }
}
