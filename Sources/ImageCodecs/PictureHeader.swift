import Foundation

/// A picture's size read from its header without decoding it, for scheduling (how much memory a picture
/// will need). The decoders still validate everything; this only reads a few bytes.
public enum PictureHeader {
  /// The width and height the file's header claims, or nil when it cannot be read cheaply.
  public static func dimensions(path: String) -> (width: Int, height: Int)? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    // SOF comes after the APPn segments (EXIF thumbnails can be tens of kilobytes).
    guard let data = try? handle.read(upToCount: 256 << 10) else { return nil }
    return dimensions([UInt8](data))
  }

  static func dimensions(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
    func u16(_ i: Int) -> Int { Int(bytes[i]) << 8 | Int(bytes[i + 1]) }
    func u32(_ i: Int) -> Int { u16(i) << 16 | u16(i + 2) }
    switch PictureFormat.sniff(bytes) {
    case .png:
      guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
      return (u32(16), u32(20))
    case .jpeg:
      var i = 2
      while i + 9 < bytes.count {
        guard bytes[i] == 0xFF else { return nil }
        let marker = bytes[i + 1]
        if marker == 0xFF { i += 1; continue }  // fill bytes
        // SOF0...SOF15 but DHT (C4), JPG (C8) and DAC (CC): height, then width.
        if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
          return (u16(i + 7), u16(i + 5))
        }
        if marker == 0xD8 || (0xD0...0xD7).contains(marker) { i += 2; continue }
        i += 2 + u16(i + 2)
      }
      return nil
    case nil:
      return nil
    }
  }
}
