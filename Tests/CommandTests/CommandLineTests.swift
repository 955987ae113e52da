import Basics
import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs
import InputPreparation
import Pipeline
import TestSupport
import XCTest

/// The built binary on real sample pictures: files, manifests, gray values, exit codes and messages.
final class CommandLineTests: TemporaryFolderTestCase {
  let rocket = Project.path("SampleImages/rocket.jpg")

  /// The maps the engine computes for a sample picture and a built-in bank (the engine itself is held to
  /// the reference by the engine tests).
  func engineMaps(_ picture: String, bank name: String) throws -> Tensor {
    let bank = try BankCatalog.load(name).bank
    let decoded = try PictureDecoder().decode(path: picture)
    let run = try BankRun(bank: bank, input: InputTensor.make(from: decoded, input: bank.input), engine: Engine())
    return try run.output(ofLayer: bank.layers.count - 1)
  }

  func testMainJobWritesOneGrayPNGPerFilterAndAManifest() throws {
    let result = try runFeaturemaps([rocket, "--bank", "edges", "--out", path("maps")])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(files("maps"), ["rocket/00-sobel-x.png", "rocket/01-sobel-y.png", "rocket/02-laplacian.png",
                                   "rocket/03-red-edge-x.png", "rocket/04-luma-edge-x.png", "rocket/manifest.json"])
    let manifest = try json("maps/rocket/manifest.json")
    let picture = try XCTUnwrap(manifest["picture"] as? [String: Any])
    XCTAssertEqual(picture["width"] as? Int, 640)
    XCTAssertEqual(picture["height"] as? Int, 427)
    XCTAssertEqual(picture["format"] as? String, "jpeg")
    let bank = try XCTUnwrap(manifest["bank"] as? [String: Any])
    let bankBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Project.path("Filters/edges.json"))))
    XCTAssertEqual(bank["sha256"] as? String, SHA256.hex(bankBytes))
    let options = try XCTUnwrap(manifest["options"] as? [String: Any])
    XCTAssertEqual(options["normalize"] as? String, "auto")
    XCTAssertEqual(options["scale"] as? String, "per-map")

    // Every gray value follows the recorded mapping, within rounding, against the engine's values.
    let maps = try engineMaps(rocket, bank: "edges")
    let entries = try XCTUnwrap(manifest["maps"] as? [[String: Any]])
    XCTAssertEqual(entries.map { $0["filter"] as? String }, ["sobel-x", "sobel-y", "laplacian", "red-edge-x", "luma-edge-x"])
    for (m, entry) in entries.enumerated() {
      let png = try PictureDecoder().decode(path: path("maps/rocket/\(entry["file"] as! String)"))
      XCTAssertEqual([png.width, png.height, png.channelCount, png.bitDepth], [640, 427, 1, 8])
      let offset = try XCTUnwrap(entry["offset"] as? Double)
      let scale = try XCTUnwrap(entry["gray_step"] as? Double)
      XCTAssertEqual(entry["layer"] as? Int, 1)
      XCTAssertEqual(entry["index"] as? Int, m)
      let plane = maps.plane(m)
      // 3x3 kernels with "same" zero padding: the interior leaves out the outermost row and column.
      let interior = (1..<426).flatMap { y in (1..<639).map { x in plane[plane.startIndex + y * 640 + x] } }
      XCTAssertEqual(entry["min"] as! Double, Double(interior.min()!), accuracy: 1e-5)
      XCTAssertEqual(entry["max"] as! Double, Double(interior.max()!), accuracy: 1e-5)
      XCTAssertEqual(entry["statistics_pixels"] as? Int, 425 * 638)
      let grays = png.samples.map { Int(($0 * 255).rounded()) }
      var worst = 0.0
      for (i, value) in plane.enumerated() {
        let clipped = min(max(Double(value), offset), offset + 255 * scale)
        worst = max(worst, abs(offset + scale * Double(grays[i]) - clipped))
      }
      XCTAssertLessThanOrEqual(worst, scale * 0.5 + 1e-6, "\(entry["file"]!): gray values do not follow the mapping")
    }
    // The note (sobel-y and laplacian are nearly one gray: a few extreme values set their range), then the summary.
    XCTAssertTrue(result.stderr.hasPrefix("featuremaps: note: 2 of the 5 maps are nearly one gray"), result.stderr)
    XCTAssertTrue(result.stderr.contains("\nfeaturemaps: 1 done (5 maps in "), result.stderr)
  }

  func testNPYHoldsTheEngineValues() throws {
    let chelsea = Project.path("SampleImages/chelsea.png")
    let result = try runFeaturemaps([chelsea, "--bank", "color-opponent", "--out", path("maps"), "--format", "npy", "--quiet"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(result.stderr, "")
    let maps = try engineMaps(chelsea, bank: "color-opponent")
    for (m, name) in ["00-luminance", "01-red-green", "02-blue-yellow", "03-red-on-green-off-5"].enumerated() {
      let npy = try readNPY(path("maps/chelsea/\(name).npy"))
      XCTAssertEqual([npy.height, npy.width], [300, 451])
      XCTAssertEqual(npy.values, Array(maps.plane(m)), name)
    }
    let entries = try XCTUnwrap(try json("maps/chelsea/manifest.json")["maps"] as? [[String: Any]])
    XCTAssertEqual(entries.map { $0["gray_step"] as? Double }, [1, 1, 1, 1])
  }

  /// One picture on a terminal: a line says how far its maps are, band by band, and is cleared before the
  /// summary (run under script(1), which gives the command a terminal; standard error is then the terminal's).
  func testOnePictureOnATerminalShowsItsProgressBandByBand() throws {
    let command = [Project.binary, rocket, "--bank", "two-layer", "--out", path("maps")].map { "'\($0)'" }.joined(separator: " ")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qec", command, "/dev/null"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, text)
    XCTAssertTrue(text.contains("\r\u{1B}[K\(rocket): layer 2 of 2"), text)
    XCTAssertTrue(text.contains("\r\u{1B}[K\r\u{1B}[Kfeaturemaps: 1 done (4 maps in ") || text.contains("\r\u{1B}[Kfeaturemaps: 1 done (4 maps in "),
                  "the line is cleared before the summary: \(text)")
    // Without a terminal, no such line.
    let plain = try runFeaturemaps([rocket, "--bank", "two-layer", "--out", path("maps2")])
    XCTAssertFalse(plain.stderr.contains("layer 2 of 2"), plain.stderr)
  }

  func testSixteenBitSharedScaleAndAllLayers() throws {
    let result = try runFeaturemaps([rocket, "--bank", "two-layer", "--out", path("maps"), "--format", "png16",
                                     "--scale", "shared", "--all-layers", "--normalize", "percentile:1"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(files("maps/rocket").filter { $0.hasPrefix("layer1/") }.count, 4)
    XCTAssertEqual(files("maps/rocket").filter { $0.hasPrefix("layer2/") }.count, 4)
    let entries = try XCTUnwrap(try json("maps/rocket/manifest.json")["maps"] as? [[String: Any]])
    let layer1 = entries.filter { $0["layer"] as? Int == 1 }
    XCTAssertEqual(Set(layer1.map { $0["gray_step"] as! Double }).count, 1, "shared: one mapping for the layer's maps")
    XCTAssertEqual(entries.map { $0["file"] as! String }.last, "layer2/03-corner.png", "numbered within the layer, as without --all-layers")
    XCTAssertEqual(entries.map { $0["index"] as! Int }, Array(0..<8), "the manifest's index counts the picture's maps")
    let png = try PictureDecoder().decode(path: path("maps/rocket/layer1/00-dark-to-light-x.png"))
    XCTAssertEqual(png.bitDepth, 16)
  }

  func testRerunningReplacesAnEarlierResult() throws {
    XCTAssertEqual(try runFeaturemaps([rocket, "--bank", "edges", "--out", path("maps")]).status, 0)
    XCTAssertEqual(try runFeaturemaps([rocket, "--bank", "color-opponent", "--out", path("maps")]).status, 0)
    XCTAssertEqual(files("maps/rocket"), ["00-luminance.png", "01-red-green.png", "02-blue-yellow.png", "03-red-on-green-off-5.png", "manifest.json"])
  }

  func testABankThatDoesNotFitAPictureFailsItAndKeepsItsEarlierResult() throws {
    let tiny = path("tiny.png")
    try FileManager.default.copyItem(atPath: Project.path("Tests/ImageCodecsTests/Corpus/pngsuite/s02n3p01.png"), toPath: tiny)
    XCTAssertEqual(try runFeaturemaps([tiny, "--bank", "edges", "--out", path("maps")]).status, 0)
    let before = files("maps")
    let bank = path("valid5.json")
    try Data("""
      {"format": "featuremaps-bank/1", "filters": [{"name": "box", "weights": [[[1,1,1,1,1]], [[1,1,1,1,1]], [[1,1,1,1,1]]]}]}
      """.utf8).write(to: URL(fileURLWithPath: bank))
    let result = try runFeaturemaps([tiny, "--bank", bank, "--out", path("maps")])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.stderr.hasPrefix("featuremaps: \(tiny): the bank valid5 does not fit this 2x2 picture: layers[0]: the kernel (5x1, dilation 1) covers 5x1 pixels, more than the padded input of 2x2\n"), result.stderr)
    XCTAssertEqual(files("maps"), before, "the earlier result was touched")
  }

  // MARK: - Help, usage and failures

  /// `featuremaps --help` names every subcommand and the default one; `run --help` has the main job's
  /// examples and options.
  func testHelpIsCompleteWithExamples() throws {
    let main = try runFeaturemaps(["--help"])
    XCTAssertEqual(main.status, 0)
    for expected in ["run (default)", "banks", "import", "learn", "explain", "summary", "montage", "kernels", "report",
                     "'featuremaps run --help' lists its options", "Exit status"] {
      XCTAssertTrue(main.stdout.contains(expected), "help lacks \(expected)")
    }
    let run = try runFeaturemaps(["run", "--help"])
    XCTAssertEqual(run.status, 0)
    for expected in ["featuremaps photo.jpg --bank edges --out maps/", "--normalize", "--format", "--scale", "Exit status"] {
      XCTAssertTrue(run.stdout.contains(expected), "run's help lacks \(expected)")
    }
  }

  func testBanksListsEveryBuiltInBank() throws {
    let result = try runFeaturemaps(["banks"])
    XCTAssertEqual(result.status, 0)
    XCTAssertEqual(result.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }, BankCatalog.builtInNames)
  }

  func testBadUsageExitsWithTwoAndSaysWhatToDo() throws {
    let result = try runFeaturemaps([rocket, "--bank", "edges", "--out", path("maps"), "--format", "gif"])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.stderr.contains("Error: The value 'gif' is invalid for '--format <format>': give png, png16 or npy, e.g. --format png16"),
                  result.stderr)
    XCTAssertEqual(try runFeaturemaps([rocket, "--out", path("maps")]).status, 2)
  }

  func testABadBankStopsEverythingWithOneLineAndStatusTwo() throws {
    let bank = path("bad.json")
    try Data("{\"format\": \"featuremaps-bank/1\", \"filters\": [{\"name\": \"a\", \"weights\": [[[1]], [[1]]]}]}".utf8)
      .write(to: URL(fileURLWithPath: bank))
    let result = try runFeaturemaps([rocket, "--bank", bank, "--out", path("maps")])
    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.stderr, "featuremaps: \(bank): filters[0].weights: expected 3 kernels ([in_channels / groups][rows][columns], one per input channel R, G, B), got 2\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("maps/rocket")))
    let unknown = try runFeaturemaps([rocket, "--bank", "edgy", "--out", path("maps")])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertEqual(unknown.stderr, "featuremaps: edgy: no bank file or built-in bank of that name; did you mean edges? built-in banks: \(BankCatalog.builtInNames.joined(separator: ", "))\n")
  }

  func testMissingAndCorruptPicturesFailWithOneLineAndTheOthersAreStillWritten() throws {
    let corrupt = path("broken.jpg")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: rocket))
    try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: corrupt))
    let text = path("notes.jpg")
    try Data("not a picture".utf8).write(to: URL(fileURLWithPath: text))
    let result = try runFeaturemaps([path("nope.jpg"), corrupt, text, rocket, "--bank", "edges", "--out", path("maps"), "--jobs", "1"])
    XCTAssertEqual(result.status, 1)
    let lines = result.stderr.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 5, result.stderr)
    XCTAssertEqual(lines[0], "featuremaps: \(path("nope.jpg")): no such file or folder")
    XCTAssertEqual(lines[1], "featuremaps: \(text): not a JPEG or PNG picture (its first bytes match neither signature)")
    XCTAssertTrue(lines[2].hasPrefix("featuremaps: \(corrupt): truncated JPEG: premature end of data after "), lines[2])
    XCTAssertTrue(lines[3].hasPrefix("featuremaps: note: 2 of the 5 maps are nearly one gray"), lines[3])  // sobel-y and laplacian
    XCTAssertTrue(lines[4].hasPrefix("featuremaps: 1 done (5 maps in"), lines[4])
    XCTAssertEqual(files("maps").filter { $0.hasPrefix("rocket/") }.count, 6)
    XCTAssertEqual(files("maps").filter { !$0.hasPrefix("rocket/") }, [], "a failed picture left files")
  }
}
