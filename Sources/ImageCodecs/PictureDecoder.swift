import Basics
import CImageShims
import Foundation

/// Reads JPEG and PNG files into `Picture`s. All file reading for pictures happens here.
public struct PictureDecoder: Sendable {
  /// 200 million pixels: a 200 MP RGB picture takes 2.4 GB as Float32 planes, which leaves room on a
  /// 24 GiB machine for its maps and for a second picture decoded in parallel.
  public static let defaultMaximumPixels = 200_000_000

  /// Pictures whose header claims more pixels are refused before anything large is allocated.
  public var maximumPixels: Int
  /// Turn the picture as its EXIF orientation says (what photo viewers show); false keeps it as stored.
  public var appliesOrientation: Bool
  /// Decode a JPEG that ends early (libjpeg fills the rest with gray) instead of refusing it.
  public var allowsTruncatedJPEG: Bool

  public init(maximumPixels: Int = defaultMaximumPixels, appliesOrientation: Bool = true,
              allowsTruncatedJPEG: Bool = false) {
    self.maximumPixels = maximumPixels
    self.appliesOrientation = appliesOrientation
    self.allowsTruncatedJPEG = allowsTruncatedJPEG
  }

  /// Decodes the file at `path`; the format comes from its first bytes.
  public func decode(path: String) throws(DecodeError) -> Picture {
    let bytes = try Self.readFile(path)
    return try decode(bytes, path: path)
  }

  /// Decodes a picture held in memory; `path` is only used in errors.
  public func decode(_ bytes: [UInt8], path: String) throws(DecodeError) -> Picture {
    guard let format = PictureFormat.sniff(bytes) else { throw .notAPicture(path: path) }
    // The header's claim first: libpng and libjpeg have limits of their own (a million pixels a side,
    // 65500) that they report as damage, which a legal but huge header is not.
    if let (width, height) = PictureHeader.dimensions(bytes), Checked.product(width, height) ?? .max > maximumPixels {
      throw .tooManyPixels(path: path, width: width, height: height, limit: maximumPixels)
    }
    var decoded = fm_decoded()
    let limit = UInt64(max(0, maximumPixels))
    let status = bytes.withUnsafeBufferPointer { buffer in
      switch format {
      case .jpeg:
        return fm_jpeg_decode(buffer.baseAddress, buffer.count, limit, allowsTruncatedJPEG ? 1 : 0, &decoded)
      case .png:
        return fm_png_decode(buffer.baseAddress, buffer.count, limit, &decoded)
      }
    }
    defer { fm_decoded_free(&decoded) }
    if status != FM_OK {
      throw Self.error(for: status, decoded: &decoded, format: format, path: path, limit: maximumPixels)
    }
    var picture = Self.planes(from: decoded, format: format)
    let warning = Self.message(&decoded.warning)
    if !warning.isEmpty {
      let more = decoded.warning_count > 1 ? " (and \(NumberText.counted(Int(decoded.warning_count) - 1, "more warning")))" : ""
      picture.warning = warning + more
      picture.warningIsHarmless = format == .png && Self.isAboutAncillaryChunk(warning)
    }
    if appliesOrientation, format == .jpeg, decoded.exif != nil {
      let exif = Array(UnsafeBufferPointer(start: decoded.exif, count: decoded.exif_size))
      if let orientation = ExifOrientation(tiff: exif) { picture = orientation.apply(to: picture) }
    }
    return picture
  }

  /// Whether the file at `path` starts with a picture signature (reads only its first bytes).
  public static func looksLikePicture(path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let head = (try? handle.read(upToCount: PictureFormat.signatureLength)) ?? Data()
    return PictureFormat.sniff(head) != nil
  }

  // MARK: - Helpers

  static func readFile(_ path: String) throws(DecodeError) -> [UInt8] {
    do throws(FileBytes.Failure) {
      return try FileBytes.read(path)
    } catch {
      switch error {
      case .missing: throw .io(path: path, reason: "no such file")
      case .folder: throw .io(path: path, reason: "is a directory, not a picture")
      case .unreadable(let reason): throw .io(path: path, reason: "cannot be read: \(reason)")
      }
    }
  }

  /// The text of a fixed-size, NUL-terminated C char array that Swift imports as a tuple.
  static func message<CharArray>(_ tuple: inout CharArray) -> String {
    withUnsafeBytes(of: &tuple) { raw in
      String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
  }
}

// MARK: - From the shim's result to Swift values

extension PictureDecoder {
  static func error(for status: fm_status, decoded: inout fm_decoded, format: PictureFormat, path: String,
                    limit: Int) -> DecodeError {
    let reason = message(&decoded.message)
    switch status {
    case FM_ERR_TOO_LARGE:
      return .tooManyPixels(path: path, width: Int(decoded.width), height: Int(decoded.height), limit: limit)
    case FM_ERR_TRUNCATED:
      return .truncated(path: path, format: format, reason: reason)
    case FM_ERR_UNSUPPORTED:
      return .unsupported(path: path, format: format, reason: reason)
    case FM_ERR_NO_MEMORY:
      return .outOfMemory(path: path, reason: reason)
    default:
      let prefix = format == .png && !reason.lowercased().contains("png") ? "corrupt PNG: " : ""
      return .corrupt(path: path, format: format, reason: prefix + reason)
    }
  }

  /// Interleaved library samples to planar 0...1 floats; CMYK becomes RGB.
  static func planes(from decoded: fm_decoded, format: PictureFormat) -> Picture {
    let width = Int(decoded.width)
    let height = Int(decoded.height)
    let pixels = width * height
    let stored = Int(decoded.channels)
    let isCMYK = decoded.color == FM_COLOR_CMYK || decoded.color == FM_COLOR_CMYK_INVERTED
    let channels = isCMYK ? 3 : stored
    var samples = [Float](repeating: 0, count: pixels * channels)
    samples.withUnsafeMutableBufferPointer { planes in
      if decoded.bit_depth == 16 {
        let source = decoded.samples.assumingMemoryBound(to: UInt16.self)
        let scale = 1 / Float(65535)
        for p in 0..<pixels {
          for c in 0..<channels { planes[c * pixels + p] = Float(source[p * stored + c]) * scale }
        }
      } else if isCMYK {
        let source = decoded.samples.assumingMemoryBound(to: UInt8.self)
        let inverted = decoded.color == FM_COLOR_CMYK_INVERTED
        let scale = 1 / Float(255 * 255)
        for p in 0..<pixels {
          // Adobe-style files store 255 for "no ink": R = C * K / 255 (in 0...255 units).
          var k = Float(source[p * 4 + 3])
          if !inverted { k = 255 - k }
          for c in 0..<3 {
            var ink = Float(source[p * 4 + c])
            if !inverted { ink = 255 - ink }
            planes[c * pixels + p] = ink * k * scale
          }
        }
      } else {
        let source = decoded.samples.assumingMemoryBound(to: UInt8.self)
        let scale = 1 / Float(255)
        if stored == 3 {
          // The common case, a pointer per plane, which the compiler vectorizes: the general loop below took
          // 6% of a single-core profile of W4 (100 photos, 8 filters 3x3x3); W4 is 7-9% faster with this one.
          let (r, g, b) = (planes.baseAddress!, planes.baseAddress! + pixels, planes.baseAddress! + 2 * pixels)
          for p in 0..<pixels {
            r[p] = Float(source[3 * p]) * scale
            g[p] = Float(source[3 * p + 1]) * scale
            b[p] = Float(source[3 * p + 2]) * scale
          }
        } else {
          for p in 0..<pixels {
            for c in 0..<channels { planes[c * pixels + p] = Float(source[p * stored + c]) * scale }
          }
        }
      }
    }
    return Picture(width: width, height: height, channelCount: channels, samples: samples, format: format,
                   bitDepth: Int(decoded.bit_depth))
  }

  /// libpng warnings name the chunk they are about ("iCCP: known incorrect sRGB profile"). Ancillary
  /// chunks other than tRNS (which featuremaps drops with alpha anyway) do not change the stored samples
  /// that the maps are computed from.
  static func isAboutAncillaryChunk(_ warning: String) -> Bool {
    let chunk = warning.prefix { $0 != ":" }
    return ["iCCP", "sRGB", "cHRM", "gAMA", "sBIT", "bKGD", "hIST", "pHYs", "sPLT", "tIME", "tEXt", "zTXt", "iTXt", "eXIf", "oFFs",
            "pCAL", "sCAL", "tRNS"].contains(String(chunk))
  }
}
