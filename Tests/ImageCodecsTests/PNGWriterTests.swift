import Foundation
import XCTest

@testable import ImageCodecs

/// Maps written as 8- and 16-bit grayscale PNGs read back bit-exactly, atomically.
final class PNGWriterTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("fm-writer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  func testSixteenBitPNGKeepsSixteenBitsThroughDecoding() throws {
    let picture = try PictureDecoder().decode(path: Corpus.path("pngsuite/basn0g16.png"))
    XCTAssertEqual(picture.bitDepth, 16)
    let values = picture.interleavedIntegers()
    XCTAssertTrue(values.contains { $0 % 257 != 0 }, "16-bit samples were cut to 8 bits")
  }

  func testEightAndSixteenBitMapsReadBackBitExactly() throws {
    let (width, height) = (37, 23)
    for bitDepth in [8, 16] {
      for compression in [PNGCompression.fast, PNGCompression(level: 6, filter: .adaptive), PNGCompression(level: 0, filter: .none)] {
        let maxValue = (1 << bitDepth) - 1
        let values = (0..<(width * height)).map { ($0 * 7919 + $0 / width * 31) % (maxValue + 1) }
        let path = folder.appendingPathComponent("map\(bitDepth)-\(compression.level).png").path
        let writer = try GrayPNGWriter(path: path, width: width, height: height, bitDepth: bitDepth, compression: compression,
                                       text: [("Title", "test map")])
        // Rows in two uneven pieces, as the pipeline streams bands.
        for range in [0..<(5 * width), (5 * width)..<(width * height)] {
          if bitDepth == 8 {
            try values[range].map { UInt8($0) }.withUnsafeBufferPointer { (rows) throws(CodecError) in try writer.write(rows: rows) }
          } else {
            try values[range].map { UInt16($0) }.withUnsafeBufferPointer { (rows) throws(CodecError) in try writer.write(rows: rows) }
          }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the final name appeared before finish()")
        try writer.finish()
        let back = try PictureDecoder().decode(path: path)
        XCTAssertEqual([back.width, back.height, back.channelCount, back.bitDepth], [width, height, 1, bitDepth])
        XCTAssertEqual(back.interleavedIntegers(), values)
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertNotNil(String(decoding: file, as: UTF8.self).range(of: "tEXtTitle\u{0}test map"))
      }
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(AtomicFile.temporaryPrefix) }
    XCTAssertEqual(leftovers, [])
  }

  func testAnAbandonedWriterLeavesNoFile() throws {
    let path = folder.appendingPathComponent("abandoned.png").path
    do {
      let writer = try GrayPNGWriter(path: path, width: 4, height: 4, bitDepth: 8)
      try [UInt8](repeating: 9, count: 8).withUnsafeBufferPointer { (rows) throws(CodecError) in try writer.write(rows: rows) }
    }
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
  }
}
