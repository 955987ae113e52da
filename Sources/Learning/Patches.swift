import Basics

/// M patches of D = channels x K x K values each, row after row (patch i is values[i*D ..< (i+1)*D]), each
/// laid out (channel, row, column) as a bank's weights are.
public struct Patches: Sendable {
  public var count: Int
  public var size: Int
  public var channels: Int
  public var values: [Float]

  public var dimension: Int { channels * size * size }

  public init(count: Int, size: Int, channels: Int, values: [Float]) {
    precondition(values.count == count * channels * size * size)
    self.count = count
    self.size = size
    self.channels = channels
    self.values = values
  }

  /// Work split into a fixed number of pieces, whatever the threads: sums over patches are taken piece by
  /// piece and the pieces added in order, so the result is the same on 1 thread or 64.
  static let pieces = 16

  func pieceRange(_ piece: Int) -> Range<Int> {
    let step = (count + Self.pieces - 1) / Self.pieces
    return min(count, piece * step)..<min(count, (piece + 1) * step)
  }
}
