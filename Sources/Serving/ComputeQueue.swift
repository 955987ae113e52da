import Basics
import Foundation

/// Where the live page's computations wait their turn: one at a time (each already uses every core), at
/// most `maximumWaiting` waiting (more are refused: a flood of edits cannot grow memory without bound),
/// and a newer request from the same page stops the one before it (its maps would be shown for an instant
/// at most), whether it is waiting or under way.
final class ComputeQueue: @unchecked Sendable {
  let maximumWaiting: Int
  private let queue = DispatchQueue(label: "featuremaps.serve.compute")
  private let lock = NSLock()
  private var waiting = 0
  private var latest: [String: StopFlag] = [:]

  init(maximumWaiting: Int) { self.maximumWaiting = maximumWaiting }

  /// Runs `work` when its turn comes. `client`: the page's id; its earlier request is stopped.
  func run<T: Sendable>(client: String?, _ work: @escaping @Sendable (StopFlag) throws(ServeError) -> T) async throws(ServeError) -> T {
    let stop = StopFlag()
    let admitted: Bool = lock.withLock {
      guard waiting < maximumWaiting else { return false }
      waiting += 1
      if let client {
        latest[client]?.raise()
        latest[client] = stop
        if latest.count > 4 * maximumWaiting { latest = latest.filter { $0.value === stop } }  // forget pages that went away
      }
      return true
    }
    guard admitted else { throw ServeError("busy: \(maximumWaiting) computations are already waiting; try again", status: 503) }
    let result: Result<T, ServeError> = await withCheckedContinuation { continuation in
      queue.async {
        let outcome: Result<T, ServeError>
        if stop.isRaised {
          outcome = .failure(ServeError("stopped: a newer edit came", status: 409))
        } else {
          do throws(ServeError) {
            outcome = .success(try work(stop))
          } catch {
            outcome = .failure(error)
          }
        }
        self.lock.withLock {
          self.waiting -= 1
          if let client, self.latest[client] === stop { self.latest[client] = nil }
        }
        continuation.resume(returning: outcome)
      }
    }
    return try result.get()
  }
}
