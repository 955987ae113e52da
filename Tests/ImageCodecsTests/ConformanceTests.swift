import Foundation
import XCTest

@testable import ImageCodecs

/// The decoders against independent decoders (pypng for PNG, djpeg for JPEG) on the public suites.
final class ConformanceTests: XCTestCase {
  let decoder = PictureDecoder(appliesOrientation: false)

  func testEveryValidPngSuiteFileDecodesToTheStoredSamples() throws {
    let references = try Corpus.references().filter { $0.file.hasPrefix("pngsuite/") }
    XCTAssertGreaterThan(references.count, 150)
    for ref in references {
      let picture = try decoder.decode(path: Corpus.path(ref.file))
      XCTAssertEqual([picture.width, picture.height, picture.channelCount, picture.bitDepth],
                     [ref.width, ref.height, ref.channels, ref.bits], "\(ref.file): shape")
      XCTAssertEqual(picture.fnv(), ref.fnv, "\(ref.file): samples differ from pypng's")
    }
  }

  func testEveryCorruptPngSuiteFileIsRefusedWithOneLine() throws {
    let folder = Corpus.folder.appendingPathComponent("pngsuite")
    let corrupt = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("x") }.sorted()
    XCTAssertEqual(corrupt.count, 14)
    for name in corrupt {
      let path = folder.appendingPathComponent(name).path
      XCTAssertThrowsError(try decoder.decode(path: path), name) { error in
        let message = "\(error)"
        XCTAssertTrue(message.hasPrefix(path + ": "), message)
        XCTAssertFalse(message.contains("\n"), message)
      }
    }
  }

  func testJPEGsDecodeToTheSamePixelsAsDjpeg() throws {
    let references = try Corpus.references().filter { $0.file.hasPrefix("jpeg/") }
    XCTAssertGreaterThan(references.count, 25)
    for ref in references {
      let picture = try decoder.decode(path: Corpus.path(ref.file))
      XCTAssertEqual([picture.width, picture.height, picture.channelCount], [ref.width, ref.height, ref.channels], ref.file)
      XCTAssertEqual(picture.fnv(), ref.fnv, "\(ref.file): pixels differ from djpeg's")
    }
  }

  /// testorig.ppm is the picture testorig.jpg was encoded from, not djpeg's output of it (djpeg with any
  /// DCT method differs from it on 16% of the samples): the exact check is against djpeg above; here the
  /// decoded pixels must stay within the JPEG's loss of the original.
  func testTestorigDecodesCloseToTheOriginalItWasEncodedFrom() throws {
    let picture = try decoder.decode(path: Corpus.path("jpeg/testorig.jpg"))
    let ppm = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Corpus.path("jpeg/testorig.ppm"))))
    let header = "P6\n\(picture.width) \(picture.height)\n255\n"
    XCTAssertEqual(Array(ppm.prefix(header.utf8.count)), Array(header.utf8))
    let original = ppm.dropFirst(header.utf8.count).map(Int.init)
    let ours = picture.interleavedIntegers()
    XCTAssertEqual(ours.count, original.count)
    let differences = zip(ours, original).map { abs($0 - $1) }
    XCTAssertLessThanOrEqual(differences.max()!, 3)
    XCTAssertLessThan(Double(differences.reduce(0, +)) / Double(differences.count), 0.25)
  }

  func testTwelveBitJPEGsAreRefusedWithTheReason() {
    for name in ["testorig12.jpg", "monkey12.jpg"] {
      XCTAssertThrowsError(try decoder.decode(path: Corpus.path("jpeg/\(name)"))) { error in
        guard case DecodeError.unsupported(_, .jpeg, let reason) = error else { return XCTFail("\(name): \(error)") }
        XCTAssertTrue(reason.contains("12-bit JPEG is not supported"), reason)
      }
    }
  }

  func testLosslessJPEGIsRefusedWithTheReason() throws {
    let folder = try Corpus.sharedFolder("jpeg/jpeg-decoder/reftest/lossless")
    let files = FileManager.default.enumerator(atPath: folder.path)!.compactMap { $0 as? String }.filter { $0.hasSuffix(".jpg") }
    XCTAssertFalse(files.isEmpty)
    for name in files {
      XCTAssertThrowsError(try decoder.decode(path: folder.appendingPathComponent(name).path)) { error in
        XCTAssertTrue("\(error)".contains("lossless JPEG"), "\(name): \(error)")
      }
    }
  }

  func testYCCKAndCMYKBecomeRGB() throws {
    let folder = try Corpus.sharedFolder("jpeg/jpeg-decoder/reftest")
    let ycck = try decoder.decode(path: folder.appendingPathComponent("ycck.jpg").path)
    // rgb.jpg is ycck.jpg converted to RGB by ImageMagick and re-encoded (lossy): an independent reference.
    let rgb = try decoder.decode(path: folder.appendingPathComponent("rgb.jpg").path)
    XCTAssertEqual([ycck.width, ycck.height, ycck.channelCount], [rgb.width, rgb.height, 3])
    let meanDifference = zip(ycck.samples, rgb.samples).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(rgb.samples.count)
    XCTAssertLessThan(meanDifference, 0.03, "YCCK decoded far from ImageMagick's RGB (inverted CMYK?)")
    for name in ["jpg-cmyk-1.jpg", "jpg-cmyk-2.jpg"] {
      let cmyk = try decoder.decode(path: folder.appendingPathComponent("mozilla/\(name)").path)
      XCTAssertEqual(cmyk.channelCount, 3, name)
      XCTAssertTrue(cmyk.samples.allSatisfy { (0...1).contains($0) }, name)
    }
  }
}
