import Foundation
import TestSupport
import XCTest

@testable import Batch

/// Inputs the fuzz targets (Fuzz/, scripts/fuzz.sh) found crashing, run through the same code as the target
/// that found them. Each file is named after what it pinned down.
final class FuzzRegressionTests: XCTestCase {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")

  /// fuzz-arguments: a --files-from line of one character ("h") trapped in Foundation's
  /// NSString.deletingLastPathComponent while the output folders were named.
  func testAOneCharacterPathGetsAnOutputFolder() throws {
    let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent("arguments-one-letter-path.txt")))
    let newline = bytes.firstIndex(of: 0x0A)!
    let paths = InputList.paths(Array(bytes[(newline + 1)...]))
    XCTAssertEqual(paths, ["pe:-1,2.x/5", "h"])
    XCTAssertEqual(InputPlanner.outputNames(paths.map { ($0, $0) }).map(\.outputName), ["pe:-1,2.x/5", "h"])
    XCTAssertEqual(InputPlanner.outputNames([("in/sub/a", "sub/a"), ("in/b.jpg", "b.jpg")]).map(\.outputName), ["sub/a", "b"])
  }
}
