import Foundation
import TestSupport
import XCTest

/// Bugs found and fixed, each pinned down by the file that showed it.
final class RegressionTests: TemporaryFolderTestCase {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")

  /// A PNG header claiming 2147483647x2147483647 (libpng's largest) made the batch planner's memory estimate
  /// overflow and trap (status 132) before --max-pixels was checked; the JPEG's largest, 65535x65535, with
  /// it. Both are refused with the usual line, and the other picture of the batch is still written.
  func testHeadersClaimingTheLargestSizesAreRefusedAndTheBatchGoesOn() throws {
    let png = Self.folder.appendingPathComponent("huge-header-2147483647.png").path
    let jpeg = Self.folder.appendingPathComponent("huge-header-65535.jpg").path
    let result = try runFeaturemaps([png, jpeg, Project.path("SampleImages/rocket.jpg"), "--bank", "edges", "--out", path("maps"),
                                     "--jobs", "2"])
    XCTAssertEqual(result.status, 1, result.stderr)
    let lines = result.stderr.split(separator: "\n").map(String.init)
    XCTAssertTrue(lines.contains("featuremaps: \(png): image is 2147483647x2147483647 = 4611686014.1 gigapixels, over the limit of 200000000 pixels; raise it with --max-pixels"), result.stderr)
    XCTAssertTrue(lines.contains("featuremaps: \(jpeg): image is 65535x65535 = 4.3 gigapixels, over the limit of 200000000 pixels; raise it with --max-pixels"), result.stderr)
    XCTAssertEqual(lines.filter { !$0.hasPrefix("featuremaps: note:") }.count, 3, result.stderr)  // the note on flat maps aside
    XCTAssertEqual(files("maps").filter { $0.hasSuffix("manifest.json") }, ["rocket/manifest.json"])
  }
}

final class ONNXFoldRegressionTests: TemporaryFolderTestCase {
  /// A Conv of 4 filters followed by a BatchNormalization whose four tensors hold 2 values each crashed
  /// `import` with "Index out of range" (status 132): the tensors were checked for existence, then indexed
  /// per filter. Made by Regressions/make_bad_onnx.py.
  func testABatchNormShorterThanTheConvsFiltersIsRefusedInOneLine() throws {
    let model = RegressionTests.folder.appendingPathComponent("bn-short.onnx").path
    let out = path("b.json")
    let result = try runFeaturemaps(["import", model, "--node", "1", "--channels", "Y", "--out", out])
    XCTAssertEqual(result.status, 2, result.stderr)
    XCTAssertEqual(
      result.stderr,
      "featuremaps: \(model): 's' has shape [2], but the Conv node 'conv' it folds into has 4 filters: a per-channel constant holds 1 or 4 values\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }

  /// A Conv's kernel_shape is checked against its weight before the weight is used.
  func testAKernelShapeThatDisagreesWithTheWeightIsRefusedInOneLine() throws {
    let model = RegressionTests.folder.appendingPathComponent("kernel-shape.onnx").path
    let out = path("k.json")
    let result = try runFeaturemaps(["import", model, "--node", "1", "--channels", "Y", "--out", out])
    XCTAssertEqual(result.status, 2, result.stderr)
    XCTAssertEqual(result.stderr, "featuremaps: \(model): node 'conv' states kernel_shape [5, 5], but its weight 'w' holds 3x3 kernels\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: out))
  }
}

final class InfiniteMapTests: TemporaryFolderTestCase {
  /// Weights near Float's largest make maps with infinities and NaN (3e38 + 3e38 overflows); with
  /// --normalize percentile the histogram converted them to a bin number and trapped (status 132). Found
  /// by fuzz-bankrun in its first seconds.
  func testMapsWithInfinitiesAreWrittenUnderEveryNormalization() throws {
    let bank = path("huge.json")
    try Data("""
      {"format": "featuremaps-bank/1", "filters": [{"name": "huge", "kernels": {"R": [[3e38]], "G": [[3e38]], "B": [[-3e38]]}}]}
      """.utf8).write(to: URL(fileURLWithPath: bank))
    for normalize in ["percentile:1", "auto", "minmax", "abs"] {
      for scale in ["per-map", "shared"] {
        let out = path("maps-\(normalize)-\(scale)")
        let result = try runFeaturemaps([Project.path("SampleImages/chelsea.png"), "--bank", bank, "--out", out, "--normalize", normalize,
                                         "--scale", scale, "-q"])
        XCTAssertEqual(result.status, 0, "\(normalize) \(scale): \(result.stderr)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/chelsea/00-huge.png"), "\(normalize) \(scale)")
      }
    }
  }
}

final class OneLetterNameTests: TemporaryFolderTestCase {
  /// A picture named with one letter and no extension in a walked folder crashed the batch (status 132):
  /// found by fuzz-arguments.
  func testAPictureNamedWithOneLetterIsProcessed() throws {
    try FileManager.default.createDirectory(atPath: path("in"), withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Project.path("SampleImages/rocket.jpg"), toPath: path("in/x"))
    let result = try runFeaturemaps([path("in"), "--bank", "edges", "--out", path("out")])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("out/x/manifest.json")))
  }
}
