/// How the figures colour a map's gray levels (the main command's maps stay grayscale PNGs): `gray`, a
/// diverging map for signed maps (ColorBrewer's RdBu: blue below the middle gray level, white at it, red
/// above; with the signed mappings zero is the middle), or viridis (perceptually uniform, dark to light)
/// for maps without negative values.
public enum ColorMap: String, Sendable, CaseIterable {
  case gray
  case rdbu
  case viridis

  /// Viridis (van der Walt and Smith, for matplotlib; CC0) at 17 evenly spaced stops, interpolated linearly.
  static let viridisStops: [(UInt8, UInt8, UInt8)] = [
    (0x44, 0x01, 0x54), (0x48, 0x18, 0x6A), (0x47, 0x2D, 0x7B), (0x42, 0x40, 0x86), (0x3B, 0x52, 0x8B), (0x33, 0x63, 0x8D),
    (0x2C, 0x72, 0x8E), (0x26, 0x82, 0x8E), (0x21, 0x91, 0x8C), (0x1F, 0x9F, 0x88), (0x27, 0xAD, 0x81), (0x3D, 0xBC, 0x74),
    (0x5C, 0xC8, 0x63), (0x81, 0xD3, 0x4D), (0xAA, 0xDC, 0x32), (0xD5, 0xE2, 0x1A), (0xFD, 0xE7, 0x25),
  ]

  /// The colour of gray level `g` (0...255).
  public func color(_ g: UInt8) -> (r: UInt8, g: UInt8, b: UInt8) {
    switch self {
    case .gray: return (g, g, g)
    case .rdbu:
      let c = DivergingColors.color((Double(g) - 127.5) / 127.5, limit: 1)
      return (c.r, c.g, c.b)
    case .viridis:
      let position = Double(g) / 255 * Double(Self.viridisStops.count - 1)
      let low = min(Int(position), Self.viridisStops.count - 2)
      let f = position - Double(low)
      let (a, b) = (Self.viridisStops[low], Self.viridisStops[low + 1])
      func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) * (1 - f) + Double(y) * f).rounded()) }
      return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
  }

  /// Gray levels as RGB triplets under this map.
  func rgb(_ grays: [UInt8]) -> [UInt8] {
    let table = (0...255).map { color(UInt8($0)) }
    var out = [UInt8](repeating: 0, count: grays.count * 3)
    for (i, g) in grays.enumerated() {
      let c = table[Int(g)]
      (out[3 * i], out[3 * i + 1], out[3 * i + 2]) = (c.r, c.g, c.b)
    }
    return out
  }
}

extension Canvas {
  /// Gray levels drawn through `colors` (grayscale when it is `.gray`).
  func put(_ grays: [UInt8], width w: Int, height h: Int, x: Int, y: Int, colors: ColorMap) {
    if colors == .gray { put(grays, width: w, height: h, x: x, y: y, gray: true) } else { put(colors.rgb(grays), width: w, height: h, x: x, y: y, gray: false) }
  }
}
