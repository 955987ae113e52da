/// `--shard I/N`: a deterministic 1/N of the pictures, chosen by a hash of the path as given, so that N
/// machines given the same inputs share them with no overlap and no coordination.
public struct Shard: Sendable, Equatable {
  public var index: Int
  public var count: Int

  /// Reads `I/N` with 1 <= I <= N.
  public init?(argument: String) {
    let parts = argument.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else { return nil }
    index = i
    count = n
  }

  public func contains(_ picture: PlannedPicture) -> Bool { contains(name: picture.outputName) }

  /// Whether this shard takes what `name` names (a picture's output name, or an input that failed).
  public func contains(name: String) -> Bool {
    // FNV-1a over the name: stable across machines, runs and Swift versions (unlike hashValue).
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return Int(hash % UInt64(count)) == index - 1
  }
}
