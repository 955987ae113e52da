import Basics
import Foundation
import ImageCodecs

/// A decoded picture at most `longestSide` pixels on its longest side, as an 8-bit PNG (RGB, or gray for a
/// gray picture): what the report shows and runs the bank on, so that `featuremaps explain` on that file
/// gives the page's numbers.
public enum ScaledPicture {
  /// The size `width` x `height` is scaled to (unchanged when it fits, or when `longestSide` is 0).
  public static func size(width: Int, height: Int, longestSide: Int) -> (width: Int, height: Int) {
    let longest = max(width, height)
    guard longestSide > 0, longest > longestSide else { return (width, height) }
    let factor = Double(longestSide) / Double(longest)
    return (max(1, Int((Double(width) * factor).rounded())), max(1, Int((Double(height) * factor).rounded())))
  }

  /// Writes `picture` scaled down by area averaging to `path`; returns the size written.
  @discardableResult
  public static func write(_ picture: Picture, longestSide: Int, to path: String) throws(OutputError) -> (width: Int, height: Int) {
    let size = size(width: picture.width, height: picture.height, longestSide: longestSide)
    let plane = picture.width * picture.height
    // 8-bit planes first (a 16-bit sample to the nearest 8-bit level), each scaled on its own.
    let planes: [[UInt8]] = (0..<picture.channelCount).map { c in
      let eight = picture.samples[(c * plane)..<((c + 1) * plane)].map { s in UInt8(min(255, max(0, (s * 255).rounded()))) }
      return AreaResampling.scale(eight, width: picture.width, height: picture.height, to: size.width, size.height)
    }
    if picture.channelCount == 1 {
      try planes[0].withUnsafeBufferPointer { (gray) throws(OutputError) in
        try GrayPNG.write(gray, width: size.width, height: size.height, to: path, compression: PNGCompression(level: 9, filter: .up))
      }
    } else {
      var rgb = [UInt8](repeating: 0, count: size.width * size.height * 3)
      for p in 0..<(size.width * size.height) {
        for c in 0..<3 { rgb[p * 3 + c] = planes[c][p] }
      }
      let canvas = Canvas(width: size.width, height: size.height, background: .black)
      canvas.put(rgb, width: size.width, height: size.height, x: 0, y: 0, gray: false)
      try canvas.write(to: path)
    }
    return size
  }
}
