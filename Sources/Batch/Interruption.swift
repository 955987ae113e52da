import Basics
import Foundation

/// Turns SIGINT and SIGTERM into a stop: the batch takes no new picture, and `stop` is raised so that the
/// pictures under way are given up between layers, groups of maps and slices of rows (within a second),
/// nothing of them kept. A second signal removes the temporary files and exits at once with status 130.
public final class Interruption: @unchecked Sendable {
  private let lock = NSLock()
  private var interrupted = false
  private var sources: [DispatchSourceSignal] = []
  /// Raised with the first signal.
  public let stop = StopFlag()
  /// Called once, on the first signal (the batch says what it drops).
  public var onStop: (@Sendable () -> Void)?

  public init() {}

  public var isInterrupted: Bool { lock.withLock { interrupted } }

  /// Starts listening for SIGINT and SIGTERM.
  public func install() {
    for sig in [SIGINT, SIGTERM] {
      signal(sig, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
      source.setEventHandler { [weak self] in self?.signalled() }
      source.resume()
      sources.append(source)
    }
  }

  private func signalled() {
    let again = lock.withLock { () -> Bool in
      defer { interrupted = true }
      return interrupted
    }
    if again {
      TemporaryFiles.shared.removeAll()
      FileHandle.standardError.write(Data("\nfeaturemaps: stopped at once (temporary files removed)\n".utf8))
      exit(130)
    }
    stop.raise()
    onStop?()
  }
}
