import Foundation

/// A request to stop that work in progress checks at its natural pauses (between layers, groups of maps and
/// slices of rows): set once, by a signal handler or a newer request, read by any thread.
public final class StopFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var raised = false

  public init() {}

  public var isRaised: Bool { lock.withLock { raised } }

  public func raise() { lock.withLock { raised = true } }
}

/// Work given up because a `StopFlag` was raised.
public struct Stopped: Error, Sendable {
  public init() {}
}
