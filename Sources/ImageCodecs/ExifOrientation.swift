/// The EXIF Orientation tag (0x0112): how a stored picture must be turned to show it upright.
/// Values 1...8 as in the EXIF specification; 1 is "as stored".
public struct ExifOrientation: Equatable, Sendable {
  public let value: Int

  public init?(value: Int) {
    guard (1...8).contains(value) else { return nil }
    self.value = value
  }

  /// Reads the tag from IFD0 of the TIFF data of a JPEG APP1 "Exif" segment (without its 6-byte header).
  /// Returns nil when the data holds no valid orientation; never traps on damaged data.
  public init?(tiff bytes: [UInt8]) {
    guard bytes.count >= 8 else { return nil }
    let littleEndian: Bool
    switch (bytes[0], bytes[1]) {
    case (0x49, 0x49): littleEndian = true
    case (0x4D, 0x4D): littleEndian = false
    default: return nil
    }
    func u16(_ at: Int) -> Int? {
      guard at >= 0, at + 2 <= bytes.count else { return nil }
      let (a, b) = (Int(bytes[at]), Int(bytes[at + 1]))
      return littleEndian ? a | b << 8 : a << 8 | b
    }
    func u32(_ at: Int) -> Int? {
      guard let low = u16(littleEndian ? at : at + 2), let high = u16(littleEndian ? at + 2 : at) else { return nil }
      return low | high << 16
    }
    guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
    for entry in 0..<count {
      let at = ifd + 2 + entry * 12
      guard let tag = u16(at) else { return nil }
      if tag == 0x0112 {
        guard u16(at + 2) == 3, let value = u16(at + 8) else { return nil }
        self.init(value: value)
        return
      }
    }
    return nil
  }

  /// Whether the upright picture has width and height swapped.
  public var swapsSides: Bool { value >= 5 }

  /// The picture turned upright.
  public func apply(to picture: Picture) -> Picture {
    guard value != 1 else { return picture }
    let (w, h) = (picture.width, picture.height)
    let (outW, outH) = swapsSides ? (h, w) : (w, h)
    let plane = w * h
    var turned = [Float](repeating: 0, count: picture.samples.count)
    picture.samples.withUnsafeBufferPointer { source in
      turned.withUnsafeMutableBufferPointer { target in
        for c in 0..<picture.channelCount {
          let base = c * plane
          for dy in 0..<outH {
            for dx in 0..<outW {
              let (sx, sy) = sourcePixel(dx: dx, dy: dy, width: w, height: h)
              target[base + dy * outW + dx] = source[base + sy * w + sx]
            }
          }
        }
      }
    }
    var result = picture
    result.width = outW
    result.height = outH
    result.samples = turned
    result.appliedOrientation = value
    return result
  }

  /// The stored pixel shown at upright position (dx, dy) of a stored picture of `width` x `height`.
  func sourcePixel(dx: Int, dy: Int, width: Int, height: Int) -> (x: Int, y: Int) {
    switch value {
    case 2: return (width - 1 - dx, dy)  // mirrored left-right
    case 3: return (width - 1 - dx, height - 1 - dy)  // turned 180 degrees
    case 4: return (dx, height - 1 - dy)  // mirrored top-bottom
    case 5: return (dy, dx)  // transposed
    case 6: return (dy, height - 1 - dx)  // stored turned 90 degrees counter-clockwise: turn it clockwise
    case 7: return (width - 1 - dy, height - 1 - dx)  // transversed
    case 8: return (width - 1 - dy, dx)  // stored turned 90 degrees clockwise: turn it counter-clockwise
    default: return (dx, dy)
    }
  }
}
