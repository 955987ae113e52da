/// ColorBrewer's RdBu, eleven classes, from blue (negative) through a light gray (zero) to red (positive):
/// diverging, with zero at its centre, and safe for the common colour blindnesses.
public enum DivergingColors {
  static let stops: [(UInt8, UInt8, UInt8)] = [
    (0x05, 0x30, 0x61), (0x21, 0x66, 0xAC), (0x43, 0x93, 0xC3), (0x92, 0xC5, 0xDE), (0xD1, 0xE5, 0xF0), (0xF7, 0xF7, 0xF7),
    (0xFD, 0xDB, 0xC7), (0xF4, 0xA5, 0x82), (0xD6, 0x60, 0x4D), (0xB2, 0x18, 0x2B), (0x67, 0x00, 0x1F),
  ]

  /// The colour of `value` on a scale from -`limit` to +`limit` (clipped); zero is the centre colour.
  public static func color(_ value: Double, limit: Double) -> (r: UInt8, g: UInt8, b: UInt8) {
    let t = limit > 0 ? min(max((value / limit + 1) / 2, 0), 1) : 0.5
    let position = t * Double(stops.count - 1)
    let low = min(Int(position), stops.count - 2)
    let f = position - Double(low)
    func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - f) + Double(b) * f).rounded()) }
    let (a, b) = (stops[low], stops[low + 1])
    return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
  }

  /// The centre colour, which zero gets.
  public static var zero: (r: UInt8, g: UInt8, b: UInt8) { stops[5] }
}
