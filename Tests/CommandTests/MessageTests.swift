import Basics
import Foundation
import TestSupport
import XCTest

/// Messages a student meets, exactly: each says what is wrong and what to do.
final class MessageTests: TemporaryFolderTestCase {
  func testWhatAStudentMeetsIsSaidInOneUsefulLine() throws {
    try Data().write(to: URL(fileURLWithPath: path("empty.jpg")))
    let rocket = try Data(contentsOf: URL(fileURLWithPath: Project.path("SampleImages/rocket.jpg")))
    try rocket.prefix(20000).write(to: URL(fileURLWithPath: path("cut.jpg")))
    let npy = Project.path("Tests/WeightsFilesTests/Files/conv.npy")
    let onnx = Project.path("Tests/WeightsFilesTests/Files/convs.onnx")
    let photo = Project.path("SampleImages/rocket.jpg")
    let cases: [([String], Int32, String)] = [
      ([path("empty.jpg"), "--bank", "edges", "--out", path("m")], 1, "featuremaps: \(path("empty.jpg")): is empty (0 bytes), not a picture\n"),
      ([path("cut.jpg"), "--bank", "edges", "--out", path("m")], 1,
       "featuremaps: \(path("cut.jpg")): truncated JPEG: premature end of data after 29% of the scanlines (--allow-truncated decodes it, the missing rows gray)\n"),
      ([photo, "--bank", npy, "--out", path("m")], 2,
       "featuremaps: \(npy): is a NumPy .npy weights file, not a bank: make one with featuremaps import \(npy) --out bank.json (--list shows what it holds)\n"),
      ([photo, "--bank", onnx, "--out", path("m")], 2,
       "featuremaps: \(onnx): is an ONNX model, not a bank: make one with featuremaps import \(onnx) --out bank.json (--list shows what it holds)\n"),
      ([photo, "--bank", "edgse", "--out", path("m")], 2,
       "featuremaps: edgse: no bank file or built-in bank of that name; did you mean edges? built-in banks: blur-sharpen, color-opponent, edges, gabor, learned-samples, mobilenet-v2-block1, resnet50-conv1, two-layer, vgg16-block1, vgg16-block2\n"),
    ]
    for (arguments, status, first) in cases {
      let result = try runFeaturemaps(arguments)
      XCTAssertEqual(result.status, status, arguments.joined(separator: " "))
      XCTAssertEqual(result.stderr.split(separator: "\n").first.map { $0 + "\n" }, first)
    }
    // A binary file given as a bank is never echoed raw.
    try Data([0x00, 0x01, 0xFF]).write(to: URL(fileURLWithPath: path("binary.json")))
    let binary = try runFeaturemaps([photo, "--bank", path("binary.json"), "--out", path("m")])
    XCTAssertEqual(binary.stderr, "featuremaps: \(path("binary.json")): not valid JSON at line 1, column 1: unexpected byte 0x0; expected a value\n")
  }

  /// `kernels --out` says what is wrong with the file name before drawing anything.
  /// Where a few extreme values leave maps nearly one gray, one note after the summary says how many and
  /// what spreads the rest; not with a percentile or a fixed range, not with -q.
  func testMapsThatAFewValuesLeaveFlatAreNoted() throws {
    let coffee = Project.path("SampleImages/coffee.png")
    let plain = try runFeaturemaps([coffee, "--bank", "gabor", "--out", path("a")])
    XCTAssertEqual(plain.status, 0, plain.stderr)
    XCTAssertTrue(plain.stderr.hasPrefix("featuremaps: note: 5 of the 10 maps are nearly one gray: a few extreme values set their range (95% of the values within 1/16 of the gray levels of zero); --normalize percentile:1 spreads the rest\nfeaturemaps: 1 done (10 maps in "), plain.stderr)
    for extra in [["--normalize", "percentile:1"], ["--normalize", "range:-1,1"], ["-q"]] {
      let result = try runFeaturemaps([coffee, "--bank", "gabor", "--out", path("b")] + extra)
      XCTAssertFalse(result.stderr.contains("note:"), "\(extra): \(result.stderr)")
    }
  }

  func testKernelsOutIsAPNGInAFolderThatExists() throws {
    let cases: [(String, String)] = [
      ("/missing-folder/k.png", "featuremaps: /missing-folder/k.png: the folder /missing-folder does not exist\n"),
      (path("k.jpg"), "featuremaps: \(path("k.jpg")): kernels are drawn as a PNG; give a file name ending in .png\n"),
    ]
    for (out, message) in cases {
      let result = try runFeaturemaps(["kernels", "edges", "--out", out])
      XCTAssertEqual(result.status, 2, out)
      XCTAssertEqual(result.stderr, message)
      XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
    // explain --figure the same way.
    let photo = Project.path("SampleImages/chelsea.png")
    for (out, message) in [("/missing-folder/f.png", "featuremaps: /missing-folder/f.png: the folder /missing-folder does not exist\n"),
                           (path("f.jpg"), "featuremaps: \(path("f.jpg")): the figure is drawn as a PNG; give a file name ending in .png\n")] {
      let result = try runFeaturemaps(["explain", photo, "--bank", "edges", "--filter", "0", "--figure", out])
      XCTAssertEqual(result.status, 2, out)
      XCTAssertEqual(result.stderr, message)
      XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
    XCTAssertEqual(NumberText.counted(1, "filter"), "1 filter")
    XCTAssertEqual(NumberText.counted(64, "filter"), "64 filters")
  }

  /// `--out maps/` and `--out maps` write and say the same paths, with one slash.
  func testAnOutputFolderWithATrailingSlashGivesSinglePaths() throws {
    let result = try runFeaturemaps([Project.path("SampleImages/chelsea.png"), "--bank", "edges", "--out", path("maps") + "/", "--log", "json", "-q"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(line["output"] as? String, path("maps") + "/chelsea")
  }
}
