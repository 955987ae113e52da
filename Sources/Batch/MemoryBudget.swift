import Foundation

/// Keeps the pictures processed at the same time within a memory budget: a picture waits until the
/// pictures in flight leave room for it. One picture alone always runs (the pixel limit bounds it), so
/// a few huge pictures among small ones are processed one at a time instead of together.
final class MemoryBudget: @unchecked Sendable {
  let totalBytes: Int
  private let condition = NSCondition()
  private var usedBytes = 0

  init(totalBytes: Int) { self.totalBytes = totalBytes }

  /// Half the machine's memory: room for the pictures, the rest for the system and the page cache.
  static var defaultBytes: Int { Int(ProcessInfo.processInfo.physicalMemory / 2) }

  /// Waits until `bytes` fit (or nothing else is in flight) and takes them.
  func acquire(_ bytes: Int) {
    condition.lock()
    // Written so that no sum can overflow: `bytes` may be Int.max (a header that claims too much).
    while usedBytes > 0 && bytes > totalBytes - usedBytes { condition.wait() }
    usedBytes += bytes
    condition.unlock()
  }

  func release(_ bytes: Int) {
    condition.lock()
    usedBytes -= bytes
    condition.broadcast()
    condition.unlock()
  }
}
