import Foundation
import XCTest

@testable import ImageCodecs

/// EXIF orientation: applied by default so maps look like the photo in a viewer, kept on request.
final class OrientationTests: XCTestCase {
  /// testorig.jpg with an APP1 Exif segment (big-endian TIFF, IFD0 with one Orientation entry) after SOI.
  func jpeg(orientation: UInt16) throws -> [UInt8] {
    let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.path("jpeg/testorig.jpg"))))
    let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
                         UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0, 0, 0, 0, 0, 0, 0]
    let payload = Array("Exif".utf8) + [0, 0] + tiff
    let length = payload.count + 2
    return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
  }

  func testEveryOrientationShowsTheStoredCornersWhereTheSpecSays() throws {
    let stored = try PictureDecoder(appliesOrientation: false).decode(try jpeg(orientation: 6), path: "o.jpg")
    let (w, h) = (stored.width, stored.height)
    func storedPixel(_ x: Int, _ y: Int) -> Float { stored.samples[y * w + x] }
    // Where the stored top-left pixel appears once the picture is upright (EXIF 2.3, tag 0x0112).
    let expectedTopLeftSource: [Int: (Int, Int)] = [
      1: (0, 0), 2: (w - 1, 0), 3: (w - 1, h - 1), 4: (0, h - 1), 5: (0, 0), 6: (0, h - 1), 7: (w - 1, h - 1), 8: (w - 1, 0),
    ]
    for orientation in 1...8 {
      let upright = try PictureDecoder().decode(try jpeg(orientation: UInt16(orientation)), path: "o.jpg")
      XCTAssertEqual(upright.appliedOrientation, orientation)
      XCTAssertEqual(upright.width, orientation >= 5 ? h : w, "orientation \(orientation)")
      let (sx, sy) = expectedTopLeftSource[orientation]!
      XCTAssertEqual(upright.samples[0], storedPixel(sx, sy), "orientation \(orientation): top-left pixel")
      XCTAssertEqual(upright.samples.sorted(), stored.samples.sorted(), "orientation \(orientation) lost pixels")
    }
    let kept = try PictureDecoder(appliesOrientation: false).decode(try jpeg(orientation: 8), path: "o.jpg")
    XCTAssertEqual(kept.samples, stored.samples)
    XCTAssertEqual(kept.appliedOrientation, 1)
  }

  func testDamagedExifIsIgnored() {
    XCTAssertNil(ExifOrientation(tiff: [0x4D, 0x4D, 0, 42, 0xFF, 0xFF, 0xFF, 0xFF]))
    XCTAssertNil(ExifOrientation(tiff: [0x49, 0x49, 42, 0, 8, 0, 0, 0, 200, 0]))
    XCTAssertNil(ExifOrientation(tiff: []))
  }
}
