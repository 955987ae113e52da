import Basics
import Foundation

/// Turns SIGINT and SIGTERM into a flag that the batch checks before taking each picture. A second
/// signal removes the temporary files and exits at once with status 130.
public final class Interruption: @unchecked Sendable {
  private let lock = NSLock()
  private var interrupted = false
  private var sources: [DispatchSourceSignal] = []

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
      exit(130)
    }
  }
}
