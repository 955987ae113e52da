import Basics
import CImageShims
import Foundation

/// How hard the compressor works and which PNG row filter is used when writing maps.
public struct PNGCompression: Sendable, Equatable {
  /// 0 stores; 1 is featuremaps' run-length coder (rle_deflate.c: fastest, and as small as libdeflate's
  /// levels 2-6 on maps with the Up filter); 2...12 are libdeflate's levels (12 smallest).
  public var level: Int
  public var filter: Filter

  public enum Filter: String, Sendable, CaseIterable {
    /// Rows as they are.
    case none
    /// Each byte minus the byte above: smooth maps compress much better, at almost no cost.
    case up
  }

  public static let levels = 0...12

  /// The default. On W2's 64 maps of 12 MP (README, Performance): level 1 with Up encodes in 0.7 s to
  /// 126 MB, libdeflate's level 2 in 2.5-2.7 s to 140 MB, level 6 in 7.5-8.2 s to 130 MB.
  public static let fast = PNGCompression(level: 1, filter: .up)

  public init(level: Int, filter: Filter) {
    precondition(Self.levels.contains(level))
    self.level = level
    self.filter = filter
  }
}

/// Writes grayscale PNGs (8 or 16 bits) atomically: the file appears under its final name only when
/// complete. The image data is compressed by the run-length coder (levels 0 and 1, a band of rows at a
/// time) or libdeflate; libpng writes the chunks.
public enum GrayPNG {
  /// Writes `samples` (`height` rows of `width`) as a grayscale PNG at `path`: 8-bit for UInt8 samples,
  /// 16-bit for UInt16.
  public static func write<Sample: FixedWidthInteger & UnsignedInteger>(
    _ samples: UnsafeBufferPointer<Sample>, width: Int, height: Int, to path: String, compression: PNGCompression = .fast,
    text: [(key: String, value: String)] = []
  ) throws(OutputError) {
    precondition(samples.count == width * height && (Sample.bitWidth == 8 || Sample.bitWidth == 16))
    try write(width: width, height: height, bitDepth: Sample.bitWidth, to: path, compression: compression, text: text) {
      first, count, out in
      out.copyMemory(from: samples.baseAddress! + first * width, byteCount: count * width * MemoryLayout<Sample>.size)
    }
  }

  /// Writes a grayscale PNG of `bitDepth` 8 or 16 whose rows `rows(first, count, out)` puts into `out`
  /// when asked, a band at a time, in order (`count` x `width` UInt8 or native-endian UInt16): a map can
  /// be turned into gray levels band by band, while the band is in the cache, with no whole-map copy.
  public static func write(width: Int, height: Int, bitDepth: Int, to path: String, compression: PNGCompression = .fast,
                           text: [(key: String, value: String)] = [],
                           rows: (_ first: Int, _ count: Int, _ out: UnsafeMutableRawPointer) -> Void) throws(OutputError) {
    let writer = try RowWriter(width: width, height: height, bitDepth: bitDepth, to: path, compression: compression, text: text)
    // Bands of about 128 KiB of samples: the writer filters and compresses them while they are in the cache.
    let rowBytes = max(1, width * bitDepth / 8)
    let bandRows = max(1, min(height, (128 << 10) / rowBytes))
    let band = UnsafeMutableRawPointer.allocate(byteCount: bandRows * rowBytes, alignment: 16)
    defer { band.deallocate() }
    for first in stride(from: 0, to: height, by: bandRows) {
      let count = min(bandRows, height - first)
      rows(first, count, band)
      writer.append(band, count: count)
    }
    try writer.finish()
  }

  /// A grayscale PNG written as its rows come, in order, under a temporary name until `finish` (a writer
  /// dropped before it removes the file): for maps computed a band of rows at a time.
  public final class RowWriter {
    public let path: String
    public let width: Int
    public let bitDepth: Int
    private let file: AtomicFile
    private var writer: OpaquePointer?

    public init(width: Int, height: Int, bitDepth: Int, to path: String, compression: PNGCompression = .fast,
                text: [(key: String, value: String)] = []) throws(OutputError) {
      precondition(bitDepth == 8 || bitDepth == 16)
      (self.path, self.width, self.bitDepth) = (path, width, bitDepth)
      file = AtomicFile(finalPath: path)
      var message = [CChar](repeating: 0, count: Int(FM_MESSAGE_SIZE))
      let keys = text.map { strdup($0.key) }
      let values = text.map { strdup($0.value) }
      defer {
        keys.forEach { free($0) }
        values.forEach { free($0) }
      }
      var opened: OpaquePointer?
      let status = file.temporaryPath.withCString { cPath in
        fm_png_writer_open(cPath, UInt32(width), UInt32(height), Int32(bitDepth), Int32(compression.level),
                           compression.filter == .up ? FM_PNG_FILTER_UP : FM_PNG_FILTER_NONE,
                           keys.map { UnsafePointer($0) }, values.map { UnsafePointer($0) }, Int32(text.count), &opened, &message)
      }
      guard status == FM_OK else {
        file.discard()
        throw Self.failure(path, message)
      }
      writer = opened
    }

    deinit {
      guard let writer else { return }
      var message = [CChar](repeating: 0, count: Int(FM_MESSAGE_SIZE))
      _ = fm_png_writer_close(writer, 0, &message)
      file.discard()
    }

    /// The next `count` rows: `count` x `width` UInt8 samples, or native-endian UInt16 for 16 bits. A failure
    /// is told by `finish`.
    public func append(_ rows: UnsafeRawPointer, count: Int) {
      guard let writer else { return }
      _ = fm_png_writer_rows(writer, rows, UInt32(count))
    }

    /// Completes the file and gives it its final name.
    public func finish() throws(OutputError) {
      guard let writer else { return }
      self.writer = nil
      var message = [CChar](repeating: 0, count: Int(FM_MESSAGE_SIZE))
      guard fm_png_writer_close(writer, 1, &message) == FM_OK else {
        file.discard()
        throw Self.failure(path, message)
      }
      try file.commit()
    }

    static func failure(_ path: String, _ message: [CChar]) -> OutputError {
      let words = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      return OutputError(path: path, reason: "cannot write: \(OutputError.lowercasingFirst(words))")
    }
  }
}
