import Basics
import Figures
import Foundation
import ImageCodecs

/// A picture the live page works on: decoded with the command line's decoder and limits, then scaled down
/// (area averaging) when it is larger than the page shows, so that every edit stays quick.
public struct ServedPicture: Sendable {
  /// The SHA-256 of the file's bytes (16 hex digits): the same file uploaded twice is one picture.
  public var id: String
  public var name: String
  public var picture: Picture
  /// The decoded size, before scaling.
  public var originalWidth: Int
  public var originalHeight: Int

  public var isScaled: Bool { picture.width != originalWidth || picture.height != originalHeight }

  /// Decodes `bytes` (named `name` in messages) and scales the picture so that its longer side is at most
  /// `largestSide`.
  public static func decode(_ bytes: [UInt8], name: String, decoder: PictureDecoder, largestSide: Int) throws(DecodeError) -> ServedPicture {
    var picture = try decoder.decode(bytes, path: name)
    let (width, height) = (picture.width, picture.height)
    let longer = max(width, height)
    if longer > largestSide {
      let newWidth = max(1, (width * largestSide + longer / 2) / longer)
      let newHeight = max(1, (height * largestSide + longer / 2) / longer)
      let plane = width * height
      var samples: [Float] = []
      samples.reserveCapacity(newWidth * newHeight * picture.channelCount)
      for c in 0..<picture.channelCount {
        samples += AreaResampling.scale(Array(picture.samples[(c * plane)..<((c + 1) * plane)]), channels: 1, width: width, height: height,
                                        to: newWidth, newHeight)
      }
      picture = Picture(width: newWidth, height: newHeight, channelCount: picture.channelCount, samples: samples, format: picture.format,
                        bitDepth: picture.bitDepth, appliedOrientation: picture.appliedOrientation, warning: picture.warning)
    }
    return ServedPicture(id: String(SHA256.hex(bytes).prefix(16)), name: name, picture: picture, originalWidth: width, originalHeight: height)
  }

  /// The picture moved `dx` columns right and `dy` rows down, the uncovered part black: what "shift the
  /// picture" shows (translation equivariance: the maps move with it).
  public func shifted(dx: Int, dy: Int) -> Picture {
    guard dx != 0 || dy != 0 else { return picture }
    let (w, h) = (picture.width, picture.height)
    var samples = [Float](repeating: 0, count: picture.samples.count)
    for c in 0..<picture.channelCount {
      for y in max(0, dy)..<min(h, h + dy) {
        for x in max(0, dx)..<min(w, w + dx) { samples[(c * h + y) * w + x] = picture.samples[(c * h + y - dy) * w + x - dx] }
      }
    }
    var moved = picture
    moved.samples = samples
    return moved
  }
}
