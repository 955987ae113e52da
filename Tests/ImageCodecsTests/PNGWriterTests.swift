import Basics
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
      for compression in [PNGCompression.fast, PNGCompression(level: 12, filter: .up), PNGCompression(level: 0, filter: .none)] {
        let maxValue = (1 << bitDepth) - 1
        let values = (0..<(width * height)).map { ($0 * 7919 + $0 / width * 31) % (maxValue + 1) }
        let path = folder.appendingPathComponent("map\(bitDepth)-\(compression.level).png").path
        if bitDepth == 8 {
          try values.map { UInt8($0) }.withUnsafeBufferPointer { (samples) throws(OutputError) in
            try GrayPNG.write(samples, width: width, height: height, to: path, compression: compression, text: [("Title", "test map")])
          }
        } else {
          try values.map { UInt16($0) }.withUnsafeBufferPointer { (samples) throws(OutputError) in
            try GrayPNG.write(samples, width: width, height: height, to: path, compression: compression, text: [("Title", "test map")])
          }
        }
        // libpng (our decoder) reads every sample back.
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

  /// pypng, a decoder independent of libpng, reads the maps back bit-exactly (Debian's python3-png).
  func testAnIndependentDecoderReadsTheMapsBackBitExactly() throws {
    let check = Process()
    // Debian's Python, which python3-png installs pypng for (another python3 may come first in PATH).
    check.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    check.arguments = ["-c", "import png"]
    check.standardError = FileHandle.nullDevice
    try check.run()
    check.waitUntilExit()
    guard check.terminationStatus == 0 else { return XCTFail("this test needs pypng: apt-get install python3-png") }
    let (width, height) = (300, 7)
    let values16 = (0..<(width * height)).map { UInt16(($0 * 2654435761) % 65536) }
    let values8 = values16.map { UInt8($0 >> 8) }
    let path8 = folder.appendingPathComponent("m8.png").path
    let path16 = folder.appendingPathComponent("m16.png").path
    try values8.withUnsafeBufferPointer { (s) throws(OutputError) in try GrayPNG.write(s, width: width, height: height, to: path8) }
    try values16.withUnsafeBufferPointer { (s) throws(OutputError) in try GrayPNG.write(s, width: width, height: height, to: path16) }
    let script = "import png,sys\nfor p in sys.argv[1:]:\n w,h,rows,info=png.Reader(filename=p).read()\n print(info['bitdepth'], ','.join(str(v) for r in rows for v in r))"
    let run = Process()
    run.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    run.arguments = ["-c", script, path8, path16]
    let pipe = Pipe()
    run.standardOutput = pipe
    try run.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    run.waitUntilExit()
    let lines = output.split(separator: "\n")
    XCTAssertEqual(lines.count, 2)
    XCTAssertEqual(String(lines[0]), "8 " + values8.map(String.init).joined(separator: ","))
    XCTAssertEqual(String(lines[1]), "16 " + values16.map(String.init).joined(separator: ","))
  }
}
