import Foundation
import XCTest

@testable import ImageCodecs

/// Damaged, hostile and odd files: refused with one line, never a crash, a hang or library noise.
final class RobustnessTests: XCTestCase {
  func testCrashTestFilesDecodeOrAreRefusedQuietly() throws {
    let folder = try Corpus.sharedFolder("jpeg/jpeg-decoder/crashtest")
    let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }
      .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".jpeg") }.sorted()
    XCTAssertGreaterThan(files.count, 100)
    var decoded = 0
    var refused = 0
    let noise = capturingStandardError {
      for file in files {
        do throws(DecodeError) {
          let picture = try PictureDecoder().decode(path: folder.appendingPathComponent(file).path)
          XCTAssertGreaterThan(picture.width * picture.height, 0, file)
          XCTAssertTrue(picture.samples.allSatisfy { (0...1).contains($0) }, "\(file): samples outside 0...1")
          decoded += 1
        } catch {
          refused += 1
          XCTAssertFalse(error.reason.isEmpty || error.reason.contains("\n"), "\(file): \(error)")
          if case .io = error { XCTFail("\(file): refused as unreadable, not as a bad picture: \(error)") }
        }
      }
    }
    XCTAssertEqual(noise, "", "the libraries printed something")
    print("crash-test corpus: \(decoded) decoded, \(refused) refused")
  }

  func testTruncatedJPEGIsAnErrorByDefaultAndAWarningWhenAllowed() throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.path("jpeg/testorig.jpg"))))
    let cut = Array(bytes.prefix(bytes.count * 6 / 10))
    let noise = try capturingStandardError {
      XCTAssertThrowsError(try PictureDecoder().decode(cut, path: "cut.jpg")) { error in
        guard case DecodeError.truncated(_, .jpeg, let reason) = error else { return XCTFail("\(error)") }
        XCTAssertTrue(reason.hasPrefix("truncated JPEG: premature end of data after "), reason)
        XCTAssertTrue(reason.hasSuffix("% of the scanlines"), reason)
      }
      let lenient = try? PictureDecoder(allowsTruncatedJPEG: true).decode(cut, path: "cut.jpg")
      XCTAssertEqual(lenient?.width, 227)
      XCTAssertTrue(lenient?.warning?.contains("premature end") == true, "\(String(describing: lenient?.warning))")
    }
    XCTAssertEqual(noise, "")
  }

  func testTruncatedPNGAndEmptyFilesAreRefused() throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.path("pngsuite/basn2c08.png"))))
    XCTAssertThrowsError(try PictureDecoder().decode(Array(bytes.prefix(bytes.count / 2)), path: "half.png")) { error in
      XCTAssertTrue("\(error)".hasPrefix("half.png: "), "\(error)")
    }
    XCTAssertThrowsError(try PictureDecoder().decode([0xFF, 0xD8, 0xFF], path: "stub.jpg"))
    XCTAssertThrowsError(try PictureDecoder().decode([], path: "empty.png")) { error in
      XCTAssertEqual(error as? DecodeError, .notAPicture(path: "empty.png"))
    }
  }

  func testFormatComesFromContentNotName() throws {
    let png = try Data(contentsOf: URL(fileURLWithPath: Corpus.path("pngsuite/basn2c08.png")))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fm-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let disguised = dir.appendingPathComponent("really-a-png.jpg")
    try png.write(to: disguised)
    XCTAssertEqual(try PictureDecoder().decode(path: disguised.path).format, .png)
    let text = dir.appendingPathComponent("notes.jpg")
    try Data("hello, not a picture\n".utf8).write(to: text)
    XCTAssertThrowsError(try PictureDecoder().decode(path: text.path)) { error in
      XCTAssertEqual("\(error)", "\(text.path): not a JPEG or PNG picture (its first bytes match neither signature)")
    }
  }

  // MARK: - Decompression bombs

  func testHugePNGHeaderIsRefusedFromTheHeaderBeforeAllocating() throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.path("pngsuite/basn2c08.png"))))
    // IHDR data starts at byte 16: width, height as big-endian 32-bit; its CRC follows the 13 data bytes.
    let side: UInt32 = 65535
    for (i, shift) in [24, 16, 8, 0].enumerated() {
      bytes[16 + i] = UInt8(truncatingIfNeeded: side >> UInt32(shift))
      bytes[20 + i] = UInt8(truncatingIfNeeded: side >> UInt32(shift))
    }
    let crc = crc32(Array(bytes[12..<29]))
    for (i, shift) in [24, 16, 8, 0].enumerated() { bytes[29 + i] = UInt8(truncatingIfNeeded: crc >> UInt32(shift)) }
    // tooManyPixels comes from the header check, made before the decoder allocates anything.
    XCTAssertThrowsError(try PictureDecoder().decode(bytes, path: "bomb.png")) { error in
      XCTAssertEqual("\(error)", "bomb.png: image is 65535x65535 = 4.3 gigapixels, over the limit of 200000000 pixels; raise it with --max-pixels")
    }
  }

  func testHugeJPEGHeaderIsRefusedFromTheHeaderBeforeAllocating() throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.path("jpeg/testorig.jpg"))))
    let sof = try XCTUnwrap((0..<bytes.count - 1).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
    // SOF0: marker, length (2), precision (1), height (2), width (2).
    for offset in [5, 7] {
      bytes[sof + offset] = 0xFF
      bytes[sof + offset + 1] = 0xDC  // 65500
    }
    XCTAssertThrowsError(try PictureDecoder().decode(bytes, path: "bomb.jpg")) { error in
      guard case DecodeError.tooManyPixels(_, 65500, 65500, _) = error else { return XCTFail("\(error)") }
    }
    // The limit is configurable and counts decoded pixels, not bytes.
    XCTAssertThrowsError(try PictureDecoder(maximumPixels: 227 * 149 - 1).decode(path: Corpus.path("jpeg/testorig.jpg")))
    XCTAssertNoThrow(try PictureDecoder(maximumPixels: 227 * 149).decode(path: Corpus.path("jpeg/testorig.jpg")))
  }
}

final class PictureHeaderTests: XCTestCase {
  func testHeadersGiveTheSizeTheDecoderFinds() throws {
    for file in ["jpeg/testorig.jpg", "jpeg/testimgp.jpg", "jpeg/testimgari.jpg", "pngsuite/basn2c08.png", "pngsuite/s01n3p01.png"] {
      let picture = try PictureDecoder(appliesOrientation: false).decode(path: Corpus.path(file))
      let header = try XCTUnwrap(PictureHeader.dimensions(path: Corpus.path(file)), file)
      XCTAssertEqual([header.width, header.height], [picture.width, picture.height], file)
    }
    XCTAssertNil(PictureHeader.dimensions([0xFF, 0xD8, 0xFF, 0xE0, 0x00]))
    XCTAssertNil(PictureHeader.dimensions(Array("not a picture".utf8)))
  }
}
