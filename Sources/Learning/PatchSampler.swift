import Basics
import FilterBanks
import ImageCodecs
import InputPreparation

/// Draws KxK patches from pictures: as many from each picture as its share of all patch positions (the
/// largest remainders get the rest), at positions drawn from the seed and the picture's place in the list.
/// The patches are the planes the bank will read (`input`: R, G, B or Y, samples 0...1).
public struct PatchSampler: Sendable {
  public var size: Int
  public var count: Int
  public var seed: UInt64
  public var input: FilterBank.Input
  public var decoder = PictureDecoder()
  public var threads = 1

  public init(size: Int, count: Int, seed: UInt64, input: FilterBank.Input) {
    self.size = size
    self.count = count
    self.seed = seed
    self.input = input
  }

  /// How many patches each picture gives, from the pictures' sizes: patch positions per picture are
  /// (W - K + 1)(H - K + 1).
  public func plan(sizes: [(width: Int, height: Int)]) throws(LearnError) -> [Int] {
    let positions = sizes.map { max(0, $0.width - size + 1) * max(0, $0.height - size + 1) }
    var total = 0
    for p in positions {
      guard let sum = Checked.sum(total, p) else { throw LearnError("the pictures hold too many patch positions to count", isUsage: true) }
      total = sum
    }
    guard total > 0 else {
      throw LearnError("--size \(size) is larger than every picture: no \(size)x\(size) patch fits", isUsage: true)
    }
    guard total >= count else {
      throw LearnError("the pictures hold \(total) patch positions of \(size)x\(size), fewer than the \(count) patches asked (--patches)",
                       isUsage: true)
    }
    // Shares of `count` in proportion to positions; the remainder goes to the largest fractions.
    var counts = positions.map { Int((Double($0) / Double(total) * Double(count)).rounded(.down)) }
    let fractions = positions.indices.map { Double(positions[$0]) / Double(total) * Double(count) - Double(counts[$0]) }
    let order = positions.indices.sorted { fractions[$0] > fractions[$1] || (fractions[$0] == fractions[$1] && $0 < $1) }
    var left = count - counts.reduce(0, +)
    for i in order where left > 0 && counts[i] < positions[i] {
      counts[i] += 1
      left -= 1
    }
    return counts
  }

  /// The patches of the pictures at `paths` (whose header sizes are `sizes`), `counts` from each; a picture
  /// that fails to decode gives none and is named in `failures`.
  public func sample(paths: [String], counts: [Int]) throws(LearnError) -> (patches: Patches, failures: [String]) {
    let channels = input.channels.count
    let dimension = channels * size * size
    let offsets = counts.reduce(into: [0]) { $0.append($0.last! + $1) }
    var values = LargeBuffers.floats(count: count * dimension, repeating: 0)
    var failures = [String?](repeating: nil, count: paths.count)
    values.withUnsafeMutableBufferPointer { buffer in
      let shared = UnsafeMutableSendableBuffer(buffer)
      failures.withUnsafeMutableBufferPointer { failed in
        let sharedFailures = UnsafeMutableSendableBuffer(failed)
        Parallel.forEach(paths.count, threads: threads) { i in
          guard counts[i] > 0 else { return }
          do throws(DecodeError) {
            let picture = try decoder.decode(path: paths[i])
            let planes = InputTensor.make(from: picture, input: input)
            guard planes.width >= size, planes.height >= size else {
              sharedFailures.buffer[i] = "\(paths[i]): the picture decodes to \(planes.width)x\(planes.height), smaller than its header said"
              return
            }
            var random = SeededGenerator(seed: seed, stream: UInt64(i))
            for p in 0..<counts[i] {
              let (x, y) = (random.below(planes.width - size + 1), random.below(planes.height - size + 1))
              let target = (offsets[i] + p) * dimension
              for c in 0..<channels {
                for ky in 0..<size {
                  let row = (c * planes.height + y + ky) * planes.width + x
                  for kx in 0..<size { shared.buffer[target + (c * size + ky) * size + kx] = planes.values[row + kx] }
                }
              }
            }
          } catch {
            sharedFailures.buffer[i] = "\(paths[i]): \(error.reason)"
          }
        }
      }
    }
    let failed = failures.indices.filter { failures[$0] != nil }
    guard !failed.isEmpty else { return (Patches(count: count, size: size, channels: channels, values: values), []) }
    // The failed pictures' shares are left out; the others keep their patches, in order.
    var kept: [Float] = []
    kept.reserveCapacity(values.count)
    for i in paths.indices where failures[i] == nil {
      kept += values[(offsets[i] * dimension)..<(offsets[i + 1] * dimension)]
    }
    let keptCount = kept.count / max(1, dimension)
    return (Patches(count: keptCount, size: size, channels: channels, values: kept), failed.map { failures[$0]! })
  }
}
