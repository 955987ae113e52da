import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs
import InputPreparation
import Pipeline
import TestSupport
import XCTest

/// explain, summary, --partials and --matrix through the built binary, against what the main command writes.
final class TeachingCommandTests: TemporaryFolderTestCase {
  static let pictures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Pictures")
  static let expected = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Expected")
  let photo = Project.path("SampleImages/chelsea.png")

  func object(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
  }

  /// explain's value at corners, edges and random pixels is the value --format npy writes, and its gray the
  /// gray of the PNG the main command writes, for several banks and layers (stride 2, depthwise, layer 2).
  func testExplainGivesTheMainCommandsValuesAndGrays() throws {
    var rng = SeededRandom(seed: 13)
    for (bank, layer, folder) in [("edges", 1, ""), ("two-layer", 1, "layer1/"), ("two-layer", 2, "layer2/"), ("resnet50-conv1", 1, ""),
                                  ("mobilenet-v2-block1", 2, "layer2/"), ("gabor", 1, "")] {
      let all = layer < 2 && folder.isEmpty ? [] : ["--all-layers"]
      XCTAssertEqual(try runFeaturemaps([photo, "--bank", bank, "--out", path("npy-\(bank)"), "--format", "npy", "-q"] + all).status, 0)
      XCTAssertEqual(try runFeaturemaps([photo, "--bank", bank, "--out", path("png-\(bank)"), "-q"] + all).status, 0)
      let manifest = try json("png-\(bank)/chelsea/manifest.json")
      let maps = (manifest["maps"] as! [[String: Any]]).filter { ($0["file"] as! String).hasPrefix(folder) }
      let (width, height) = (maps[0]["width"] as! Int, maps[0]["height"] as! Int)
      for _ in 0..<4 {
        let x = [0, width - 1, Int.random(in: 0..<width, using: &rng)].randomElement(using: &rng)!
        let y = [0, height - 1, Int.random(in: 0..<height, using: &rng)].randomElement(using: &rng)!
        let result = try runFeaturemaps(["explain", photo, "--bank", bank, "--layer", "\(layer)", "--at", "\(x),\(y)", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let explained = try XCTUnwrap(try object(result.stdout)["maps"] as? [[String: Any]])
        XCTAssertEqual(explained.count, maps.count)
        for (m, entry) in maps.enumerated() {
          let file = entry["file"] as! String
          let npy = try readNPY(path("npy-\(bank)/chelsea/" + file.replacingOccurrences(of: ".png", with: ".npy")))
          XCTAssertEqual(Float(explained[m]["value"] as! Double), npy.values[y * width + x], "\(bank) \(file) at \(x),\(y)")
          let png = try PictureDecoder().decode(path: path("png-\(bank)/chelsea/\(file)"))
          XCTAssertEqual(explained[m]["gray"] as? Int, Int((png.samples[y * width + x] * 255).rounded()), "\(bank) \(file) gray at \(x),\(y)")
        }
        let text = try runFeaturemaps(["explain", photo, "--bank", bank, "--layer", "\(layer)", "--at", "\(x),\(y)", "--filter", "0"])
        XCTAssertTrue(text.stdout.contains("gray \(explained[0]["gray"] as! Int) of 255"), text.stdout)
      }
    }
  }

  /// The text for a small fixed case, against a committed file (FEATUREMAPS_RECORD_HELP=1 records it too):
  /// a corner (padding) of a 3x3 kernel, and an 11x11 kernel whose tables are stacked and elided.
  func testExplainTextIsWhatStudentsRead() throws {
    for (arguments, file) in [(["--bank", "edges", "--at", "0,0", "--filter", "sobel-x"], "explain-tiny-edges.txt"),
                              (["--bank", "gabor", "--at", "2,1", "--filter", "0"], "explain-tiny-gabor.txt")] {
      let result = try runFeaturemaps(["explain", Self.pictures.appendingPathComponent("tiny.png").path] + arguments)
      XCTAssertEqual(result.status, 0, result.stderr)
      let url = Self.expected.appendingPathComponent(file)
      if ProcessInfo.processInfo.environment["FEATUREMAPS_RECORD_HELP"] == "1" {
        try Data(result.stdout.utf8).write(to: url)
        XCTFail("recorded \(url.path)")
        continue
      }
      XCTAssertEqual(result.stdout, try String(contentsOf: url, encoding: .utf8), file)
      XCTAssertTrue(result.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 }, "\(file): a line wider than 100 columns")
    }
  }

  func testExplainRefusesPixelsOutsideTheMapAndUnknownFilters() throws {
    let tiny = Self.pictures.appendingPathComponent("tiny.png").path
    let outside = try runFeaturemaps(["explain", tiny, "--bank", "edges", "--at", "6,0"])
    XCTAssertEqual(outside.status, 2)
    XCTAssertEqual(outside.stderr, "featuremaps: --at 6,0 is outside layer 1's 6x5 maps (x 0...5, y 0...4)\n")
    let unknown = try runFeaturemaps(["explain", tiny, "--bank", "edges", "--at", "0,0", "--filter", "blur"])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertTrue(unknown.stderr.hasPrefix("featuremaps: --filter blur: layer 1 has no such filter; its filters are 0 sobel-x, "), unknown.stderr)
  }

  /// --partials: each channel's correlation with its kernel, summed with the bias, is the map before its
  /// activation; the manifest lists them under their map, with their own mappings.
  func testPartialsSumToThePreActivationMap() throws {
    for bank in ["color-opponent", "two-layer"] {
      let result = try runFeaturemaps([photo, "--bank", bank, "--out", path(bank), "--partials", "--format", "npy", "-q"])
      XCTAssertEqual(result.status, 0, result.stderr)
      let loaded = try BankCatalog.load(bank).bank
      let picture = try PictureDecoder().decode(path: photo)
      guard case .conv(var last) = loaded.network.last else { return XCTFail() }
      last.activation = .none
      let run = try BankRun(bank: loaded, input: InputTensorForTests.make(picture, loaded.input), engine: Engine())
      let input = try run.input(ofLayer: loaded.layers.count - 1)
      let linear = try Engine().apply(last, to: input)
      let entries = try XCTUnwrap(try json("\(bank)/chelsea/manifest.json")["maps"] as? [[String: Any]])
      for (f, entry) in entries.enumerated() {
        let partials = try XCTUnwrap(entry["partials"] as? [[String: Any]])
        XCTAssertEqual(partials.count, last.channelsPerGroup)
        let names = partials.map { $0["channel"] as! String }
        XCTAssertEqual(names, Array(loaded.layers.count > 1 ? loaded.layers[loaded.layers.count - 2].outputNames : loaded.input.channels))
        var sum = [Double](repeating: Double(last.bias[f]), count: linear.height * linear.width)
        for partial in partials {
          XCTAssertTrue((partial["file"] as! String).hasPrefix(String((entry["file"] as! String).dropLast(4)) + ".partials/"))
          let values = try readNPY(path("\(bank)/chelsea/\(partial["file"] as! String)")).values
          for i in values.indices { sum[i] += Double(values[i]) }
        }
        let plane = Array(linear.plane(f))
        let scale = Double(plane.map(abs).max()!)
        for i in plane.indices { XCTAssertEqual(sum[i], Double(plane[i]), accuracy: 1e-5 * scale, "\(bank) map \(f)") }
      }
    }
    // Without --partials nothing changes: no partial files, no "partials" in the manifest.
    XCTAssertEqual(try runFeaturemaps([photo, "--bank", "edges", "--out", path("plain"), "-q"]).status, 0)
    XCTAssertFalse(files("plain").contains { $0.contains(".partials") })
    XCTAssertFalse(try String(contentsOfFile: path("plain/chelsea/manifest.json"), encoding: .utf8).contains("partials"))
  }

  func testMatrixJSONIsTheLayer() throws {
    let small = Self.pictures.appendingPathComponent("small.png").path
    let result = try runFeaturemaps(["explain", small, "--bank", "edges", "--filter", "laplacian", "--matrix", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let object = try object(result.stdout)
    let matrix = object["matrix"] as! [[Double]]
    let (input, bias, output) = (object["input"] as! [Double], object["bias"] as! [Double], object["output"] as! [Double])
    XCTAssertEqual(matrix.count, 16 * 12)
    XCTAssertEqual(matrix[0].count, 3 * 16 * 12)
    for (r, row) in matrix.enumerated() {
      let product = zip(row, input).reduce(bias[r]) { $0 + $1.0 * $1.1 }
      XCTAssertEqual(product, output[r], accuracy: 1e-5)
    }
    let text = try runFeaturemaps(["explain", small, "--bank", "edges", "--filter", "laplacian", "--matrix"])
    XCTAssertTrue(text.stdout.contains("matrix: 192 x 576 = 110592 entries"), text.stdout)
  }

  func testSummaryJSONHasTheTotals() throws {
    let result = try runFeaturemaps(["summary", "mobilenet-v2-block1", "--input", "224x224", "--json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let object = try object(result.stdout)
    XCTAssertEqual(object["total_parameters"] as? Int, 1744)
    let layers = try XCTUnwrap(object["layers"] as? [[String: Any]])
    XCTAssertEqual(layers.map { $0["output"] as! [Int] }, [[32, 112, 112], [32, 112, 112], [16, 112, 112]])
    XCTAssertEqual(object["total_multiply_adds"] as? Int, 112 * 112 * (32 * 27 + 32 * 9 + 16 * 32))
  }
}

/// The bank's input tensor, as the main command makes it.
enum InputTensorForTests {
  static func make(_ picture: Picture, _ input: FilterBank.Input) -> Tensor { InputTensor.make(from: picture, input: input) }
}
