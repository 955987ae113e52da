import Basics
import ConvEngine
import Foundation

/// Layer outputs the live page computed, kept so that an edit recomputes only the layers it changes: the
/// key of layer i's output covers the picture, the shift, the bank's input and layers 0...i, so an edit of
/// layer k finds layers before k here. Bounded: the least recently used go first once `capacityBytes` is
/// reached.
final class LayerCache: @unchecked Sendable {
  private struct Entry {
    var tensor: Tensor
    var bytes: Int
    var lastUse: UInt64
  }

  let capacityBytes: Int
  private var entries: [String: Entry] = [:]
  private var totalBytes = 0
  private var clock: UInt64 = 0
  private let lock = NSLock()

  init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

  func tensor(_ key: String) -> Tensor? {
    lock.withLock {
      clock += 1
      entries[key]?.lastUse = clock
      return entries[key]?.tensor
    }
  }

  func keep(_ tensor: Tensor, as key: String) {
    let bytes = tensor.values.count * MemoryLayout<Float>.size
    guard bytes <= capacityBytes else { return }
    lock.withLock {
      clock += 1
      if let old = entries[key] { totalBytes -= old.bytes }
      entries[key] = Entry(tensor: tensor, bytes: bytes, lastUse: clock)
      totalBytes += bytes
      while totalBytes > capacityBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
        totalBytes -= oldest.value.bytes
        entries[oldest.key] = nil
      }
    }
  }

  var heldBytes: Int { lock.withLock { totalBytes } }

  /// The keys of layers 0..<count: each the SHA-256 of the one before and the layer's own JSON.
  static func keys(start: String, layers: [String]) -> [String] {
    var keys: [String] = []
    var previous = start
    for layer in layers {
      previous = SHA256.hex(Array((previous + "\n" + layer).utf8))
      keys.append(previous)
    }
    return keys
  }
}
