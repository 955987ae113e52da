/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64: the same numbers in every run for the
/// same seed, which `learn`'s promise of identical banks rests on.
struct SeededGenerator: RandomNumberGenerator {
  private var s: (UInt64, UInt64, UInt64, UInt64)

  /// A generator for `seed`, and a stream of its own for each `stream` (a picture's index, say).
  init(seed: UInt64, stream: UInt64 = 0) {
    var x = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15)
    func splitMix() -> UInt64 {
      x &+= 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  mutating func next() -> UInt64 {
    let result = rotate(s.1 &* 5, 7) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = rotate(s.3, 45)
    return result
  }

  private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A whole number in 0..<bound, without modulo bias (Lemire's multiply-shift with rejection).
  mutating func below(_ bound: Int) -> Int {
    precondition(bound > 0)
    let b = UInt64(bound)
    while true {
      let product = next().multipliedFullWidth(by: b)
      if product.low >= (0 &- b) % b { return Int(product.high) }
    }
  }

  /// A standard normal number (Box-Muller), for initial centroids.
  mutating func normal() -> Double {
    let u = (Double(next() >> 11) + 0.5) / Double(1 << 53)
    let v = Double(next() >> 11) / Double(1 << 53)
    return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
@inline(__always) private func _log(_ x: Double) -> Double { log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { cos(x) }
