import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One line redrawn in place on standard error while work goes on (only when standard error is a terminal
/// and the line is wanted); other lines are printed above it. Threads may share it.
public final class ProgressLine: @unchecked Sendable {
  private let lock = NSLock()
  private let enabled: Bool
  private var drawn = false

  /// `wanted`: the caller's choice (not with --quiet, not for one short item); the line also needs a terminal.
  public init(wanted: Bool = true) {
    enabled = wanted && isatty(STDERR_FILENO) != 0
  }

  /// Draws `text` in place of the line.
  public func show(_ text: String) {
    guard enabled else { return }
    lock.withLock {
      FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
      drawn = true
    }
  }

  /// Prints `line` (a whole line) above the progress line, which the next `show` draws again.
  public func say(_ line: String) {
    lock.withLock {
      FileHandle.standardError.write(Data(((drawn ? "\r\u{1B}[K" : "") + line + "\n").utf8))
      drawn = false
    }
  }

  /// Removes the line.
  public func clear() {
    lock.withLock {
      if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
      drawn = false
    }
  }
}
