import Foundation

/// Why a picture could not be decoded. Each case carries its evidence; `reason` is the one line shown to
/// the user after the file's path.
public enum DecodeError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The file could not be opened or read.
  case io(path: String, reason: String)
  /// The file's first bytes are not a JPEG or PNG signature.
  case notAPicture(path: String)
  /// The data is damaged: the library's own words are in `reason`.
  case corrupt(path: String, format: PictureFormat, reason: String)
  /// The data ends before the picture does.
  case truncated(path: String, format: PictureFormat, reason: String)
  /// A valid picture of a kind this build cannot decode (12-bit or lossless JPEG).
  case unsupported(path: String, format: PictureFormat, reason: String)
  /// The header claims more pixels than the limit allows; nothing large was allocated.
  case tooManyPixels(path: String, width: Int, height: Int, limit: Int)
  /// The picture (or the decoder's work on it) did not fit in memory.
  case outOfMemory(path: String, reason: String)

  public var path: String {
    switch self {
    case .io(let path, _), .notAPicture(let path), .corrupt(let path, _, _), .truncated(let path, _, _),
      .unsupported(let path, _, _), .tooManyPixels(let path, _, _, _), .outOfMemory(let path, _):
      return path
    }
  }

  /// The reason alone, without the path.
  public var reason: String {
    switch self {
    case .truncated(_, let format, let reason):
      // libjpeg can decode what is there: say how.
      return format == .jpeg ? reason + " (--allow-truncated decodes it, the missing rows gray)" : reason
    case .io(_, let reason), .corrupt(_, _, let reason), .unsupported(_, _, let reason), .outOfMemory(_, let reason):
      return reason
    case .notAPicture(let path):
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
      return size == 0 ? "is empty (0 bytes), not a picture" : "not a JPEG or PNG picture (its first bytes match neither signature)"
    case .tooManyPixels(_, let width, let height, let limit):
      let pixels = Double(width) * Double(height)
      return "image is \(width)x\(height) = \(Self.megapixels(pixels)), over the limit of "
        + "\(limit) pixels; raise it with --max-pixels"
    }
  }

  public var description: String { "\(path): \(reason)" }

  static func megapixels(_ pixels: Double) -> String {
    pixels >= 1e9
      ? String(format: "%.1f gigapixels", pixels / 1e9) : String(format: "%.1f megapixels", pixels / 1e6)
  }
}
