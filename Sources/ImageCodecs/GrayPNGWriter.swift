import CImageShims
import Foundation

/// How hard zlib works and which PNG row filter is used when writing maps.
public struct PNGCompression: Sendable, Equatable {
  /// zlib level 0...9.
  public var level: Int
  public var filter: Filter

  public enum Filter: String, Sendable, CaseIterable {
    case none, up, adaptive
  }

  /// Level 1 with the Up filter: measured on this project's machines about ten times faster than
  /// libpng's default (level 6, adaptive filters) for files about a sixth larger (see the README).
  public static let fast = PNGCompression(level: 1, filter: .up)

  public init(level: Int, filter: Filter) {
    self.level = level
    self.filter = filter
  }
}

/// Writes one grayscale PNG (8 or 16 bits) row by row, atomically: the file appears under its final
/// name only after `finish()`.
public final class GrayPNGWriter {
  public let path: String
  public let width: Int
  public let height: Int
  public let bitDepth: Int
  private let file: AtomicFile
  private var writer: OpaquePointer?
  private var rowsWritten = 0

  /// Creates the temporary file and writes the header and the `text` chunks (tEXt, Latin-1 keys).
  public init(path: String, width: Int, height: Int, bitDepth: Int, compression: PNGCompression = .fast,
              text: [(key: String, value: String)] = []) throws(CodecError) {
    precondition(bitDepth == 8 || bitDepth == 16)
    self.path = path
    self.width = width
    self.height = height
    self.bitDepth = bitDepth
    file = AtomicFile(finalPath: path)
    var message = [CChar](repeating: 0, count: Int(FM_MESSAGE_SIZE))
    let filter: fm_png_filter =
      switch compression.filter {
      case .none: FM_PNG_FILTER_NONE
      case .up: FM_PNG_FILTER_UP
      case .adaptive: FM_PNG_FILTER_ADAPTIVE
      }
    let keys = text.map { strdup($0.key) }
    let values = text.map { strdup($0.value) }
    defer {
      keys.forEach { free($0) }
      values.forEach { free($0) }
    }
    let keyPointers = keys.map { UnsafePointer($0) }
    let valuePointers = values.map { UnsafePointer($0) }
    writer = file.temporaryPath.withCString { cPath in
      fm_png_writer_open(cPath, UInt32(width), UInt32(height), Int32(bitDepth), Int32(compression.level), filter,
                         keyPointers, valuePointers, Int32(text.count), &message)
    }
    if writer == nil {
      file.discard()
      throw .io(path: path, reason: String(cString: message))
    }
  }

  deinit {
    if let writer {
      fm_png_writer_abandon(writer)
      file.discard()
    }
  }

  /// Appends rows of 8-bit samples (`bitDepth` 8), `width` per row.
  public func write(rows: UnsafeBufferPointer<UInt8>) throws(CodecError) {
    precondition(bitDepth == 8 && rows.count % width == 0)
    try append(UnsafeRawPointer(rows.baseAddress!), rowCount: rows.count / width)
  }

  /// Appends rows of 16-bit samples (`bitDepth` 16), `width` per row.
  public func write(rows: UnsafeBufferPointer<UInt16>) throws(CodecError) {
    precondition(bitDepth == 16 && rows.count % width == 0)
    try append(UnsafeRawPointer(rows.baseAddress!), rowCount: rows.count / width)
  }

  private func append(_ rows: UnsafeRawPointer, rowCount: Int) throws(CodecError) {
    guard let writer else { throw .io(path: path, reason: "the writer has already failed") }
    precondition(rowsWritten + rowCount <= height, "more rows than the PNG's height")
    var message = [CChar](repeating: 0, count: Int(FM_MESSAGE_SIZE))
    if fm_png_writer_write_rows(writer, rows, UInt32(rowCount), &message) != FM_OK {
      fm_png_writer_abandon(writer)
      self.writer = nil
      file.discard()
      throw .io(path: path, reason: "cannot write: \(String(cString: message))")
    }
    rowsWritten += rowCount
  }

  /// Completes the PNG and moves it to its final name.
  public func finish() throws(CodecError) {
    guard let writer else { throw .io(path: path, reason: "the writer has already failed") }
    precondition(rowsWritten == height, "finish() before all rows were written")
    self.writer = nil
    var message = [CChar](repeating: 0, count: Int(FM_MESSAGE_SIZE))
    if fm_png_writer_finish(writer, &message) != FM_OK {
      file.discard()
      throw .io(path: path, reason: "cannot write: \(String(cString: message))")
    }
    try file.commit()
  }
}
