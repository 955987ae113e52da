import Basics
import ConvEngine
import Foundation
import TestSupport
import XCTest

@testable import Batch
@testable import FilterBanks
@testable import ImageCodecs
@testable import InputPreparation
@testable import MapWriting

final class PiecesTests: TemporaryFolderTestCase {
  func testEveryShippedBankRunsOnARealPhoto() throws {
    var options = RunOptions()
    options.output.threads = 2
    for loaded in try BankCatalog.builtInBanks() {
      let out = path(loaded.bank.name)
      let result = try PictureProcessor(bank: loaded, options: options)
        .process(path: Project.path("SampleImages/chelsea.png"), displayPath: "chelsea.png", outputDirectory: out)
      XCTAssertEqual(result.mapCount, loaded.bank.layers.last!.outputNames.count, loaded.bank.name)
      XCTAssertEqual(files(loaded.bank.name).count, result.mapCount + 1, loaded.bank.name)
    }
  }

  func testGrayPicturesFeedEveryColourChannelAndColourBecomesLumaForAYBank() {
    let gray = Picture(width: 2, height: 1, channelCount: 1, samples: [0.5, 1], format: .png, bitDepth: 8)
    let rgb = FilterBank.Input(channels: ["R", "G", "B"], range: (0, 255), mean: [10, 0, 0], std: [2, 1, 1])
    XCTAssertEqual(InputTensor.make(from: gray, input: rgb).values, [(127.5 - 10) / 2, (255 - 10) / 2, 127.5, 255, 127.5, 255])
    let color = Picture(width: 1, height: 1, channelCount: 3, samples: [1, 0, 0], format: .png, bitDepth: 8)
    let luma = FilterBank.Input(channels: ["Y"], range: (0, 1), mean: [0], std: [1])
    XCTAssertEqual(InputTensor.make(from: color, input: luma).values[0], 0.299, accuracy: 1e-6)
  }

  func testNPYHeaderIsWhatNumPyWrites() {
    let header = NPYFile.header(height: 3, width: 4)
    XCTAssertEqual(header.count % 64, 0)
    XCTAssertEqual(String(decoding: header[10...], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                   "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }")
  }

  func testCollidingOutputNamesNeverOverwriteEachOther() throws {
    let names = InputPlanner.outputNames([
      ("in/a.jpg", "a.jpg"), ("in/a.png", "a.png"), ("in/b.jpg", "b.jpg"), ("x/c.jpg", "c.jpg"), ("y/c.jpg", "c.jpg"),
      ("in/sub/a.jpg", "sub/a.jpg"),
    ]).map(\.outputName)
    XCTAssertEqual(names, ["a.jpg", "a.png", "b", "c.jpg", "c.jpg~2", "sub/a"])
  }

  func testShardsCoverEveryPictureExactlyOnce() {
    let pictures = (0..<500).map { PlannedPicture(path: "p\($0).jpg", outputName: "dir\($0 % 7)/p\($0)") }
    let shards = (1...4).map { Shard(argument: "\($0)/4")! }
    for picture in pictures { XCTAssertEqual(shards.filter { $0.contains(picture) }.count, 1) }
    XCTAssertTrue(shards.allSatisfy { shard in pictures.filter(shard.contains).count > 80 })
    XCTAssertNil(Shard(argument: "0/4"))
    XCTAssertNil(Shard(argument: "5/4"))
  }

  func testFilterNamesCannotLeaveTheOutputFolder() {
    XCTAssertEqual(MapSetWriter.fileSafe("../../etc/passwd"), ".._.._etc_passwd")
    XCTAssertEqual(MapSetWriter.fileSafe("a b/c\\d"), "a_b_c_d")
  }
}

/// The streaming paths (groups of maps, band passes for a shared scale) write the same files as the
/// whole-output path.
final class StreamingTests: TemporaryFolderTestCase {
  func run(bank: String, _ configure: (inout OutputOptions) -> Void, budget: Int, into name: String,
           strategy: ((String) -> Void)? = nil) throws -> [String: Data] {
    var options = RunOptions()
    configure(&options.output)
    options.output.mapMemoryBytes = budget
    let result = try PictureProcessor(bank: try BankCatalog.load(bank), options: options)
      .process(path: Project.path("SampleImages/coffee.png"), displayPath: "coffee.png", outputDirectory: path(name))
    strategy?(result.timings.maps)
    var contents: [String: Data] = [:]
    for file in files(name) { contents[file] = try Data(contentsOf: URL(fileURLWithPath: path(name + "/" + file))) }
    return contents
  }

  func assertClose(_ a: Any, _ b: Any, at path: String) {
    switch (a, b) {
    case (let x as [String: Any], let y as [String: Any]):
      XCTAssertEqual(x.keys.sorted(), y.keys.sorted(), path)
      for key in x.keys where y[key] != nil { assertClose(x[key]!, y[key]!, at: path + "." + key) }
    case (let x as [Any], let y as [Any]):
      XCTAssertEqual(x.count, y.count, path)
      for (i, pair) in zip(x, y).enumerated() { assertClose(pair.0, pair.1, at: "\(path)[\(i)]") }
    case (let x as String, let y as String):
      XCTAssertEqual(x, y, path)
    case (let x as NSNumber, let y as NSNumber):
      XCTAssertEqual(x.doubleValue, y.doubleValue, accuracy: 1e-12 * max(1, abs(x.doubleValue)), path)
    default:
      XCTFail("\(path): \(a) and \(b) differ in kind")
    }
  }

  func testTinyBudgetsWriteTheSameFilesAsOneWholePass() throws {
    let settings: [(String, (inout OutputOptions) -> Void)] = [
      ("per-map", { _ in }),
      ("shared", { $0.sharedScale = true }),
      ("shared percentile", { $0.sharedScale = true; $0.normalize = .percentile(2) }),
      ("per-map percentile 16-bit", { $0.normalize = .percentile(1); $0.format = .png16 }),
      ("npy", { $0.format = .npy }),
    ]
    for (name, configure) in settings {
      let whole = try run(bank: "gabor", configure, budget: 384 << 20, into: "whole-\(name)")
      // 600x400 maps of 960 kB: 3 MB holds 3 maps, so 10 maps take 4 groups and the shared scale band passes.
      let streamed = try run(bank: "gabor", configure, budget: 3 << 20, into: "streamed-\(name)")
      XCTAssertEqual(whole.keys.sorted(), streamed.keys.sorted(), name)
      XCTAssertEqual(whole.count, 11, name)
      for (file, data) in whole where file != "manifest.json" { XCTAssertEqual(streamed[file], data, "\(name): \(file) differs") }
      // Statistics summed band by band may differ from whole rows in the last bits of a Double.
      assertClose(try JSONSerialization.jsonObject(with: whole["manifest.json"]!),
                  try JSONSerialization.jsonObject(with: streamed["manifest.json"]!), at: name)
    }
  }
}

extension StreamingTests {
  /// Deep banks: with a budget too small for the last layer's maps (8 MB: bands of 8 rows of VGG's 64
  /// maps of 600 pixels), every layer streams in bands (one pass
  /// where the mapping needs no statistics, else a statistics pass first) and writes the same files.
  func testLayersStreamedInBandsWriteTheSameFilesAsWholeLayers() throws {
    let settings: [(String, (inout OutputOptions) -> Void, String)] = [
      ("per-map", { _ in }, "layers streamed in bands, 2 passes (statistics, then maps)"),
      ("shared percentile", { $0.sharedScale = true; $0.normalize = .percentile(2) }, "layers streamed in bands, 3 passes (statistics, then maps)"),
      ("range 16-bit", { $0.normalize = .range(low: -0.5, high: 2); $0.format = .png16 }, "layers streamed in bands, one pass"),
      ("npy", { $0.format = .npy }, "layers streamed in bands, one pass"),
    ]
    // VGG's layer 2 takes seconds in a debug build: two of the settings (Winograd last, both kinds of pass).
    for bank in ["two-layer", "mobilenet-v2-block1", "vgg16-block1"] {
      for (name, configure, expected) in settings where bank != "vgg16-block1" || ["per-map", "range 16-bit"].contains(name) {
        let label = "\(bank) \(name)"
        var whole = "", banded = ""
        let wholeFiles = try run(bank: bank, configure, budget: 1 << 30, into: "whole-\(label)") { whole = $0 }
        let bandFiles: [String: Data]
        do { bandFiles = try run(bank: bank, configure, budget: 8 << 20, into: "bands-\(label)") { banded = $0 } } catch { return XCTFail("\(label): \(error)") }
        XCTAssertEqual(whole, "maps whole", label)
        XCTAssertEqual(banded, expected, label)
        XCTAssertEqual(wholeFiles.keys.sorted(), bandFiles.keys.sorted(), label)
        for (file, data) in wholeFiles where file != "manifest.json" { XCTAssertEqual(bandFiles[file], data, "\(label): \(file) differs") }
        assertClose(try JSONSerialization.jsonObject(with: wholeFiles["manifest.json"]!),
                    try JSONSerialization.jsonObject(with: bandFiles["manifest.json"]!), at: label)
      }
    }
  }
}

extension StreamingTests {
  /// A Winograd layer too large to hold whole after a layer kept whole (--all-layers): its maps are written
  /// in groups of whole vectors of 16 filters (Winograd computes only the vectors a group wants, so a group
  /// of 33 would compute 48), and the files are those of one whole pass.
  func testWinogradMapsInGroupsAreWholeVectorsAndWriteTheSameFiles() throws {
    let allLayers: (inout OutputOptions) -> Void = { $0.allLayers = true }
    var whole = "", grouped = ""
    let wholeFiles = try run(bank: "vgg16-block1", allLayers, budget: 1 << 30, into: "whole") { whole = $0 }
    // Layer 2's 64 maps of 600x400 floats are 960,000 bytes each: a budget that holds 33 of them.
    let groupedFiles = try run(bank: "vgg16-block1", allLayers, budget: 33 * 960_000, into: "groups") { grouped = $0 }
    XCTAssertEqual(whole, "maps whole")
    XCTAssertEqual(grouped, "maps in groups of 32")
    XCTAssertEqual(wholeFiles.keys.sorted(), groupedFiles.keys.sorted())
    XCTAssertEqual(wholeFiles.count, 129)  // 64 maps of each layer and the manifest
    for (file, data) in wholeFiles where file != "manifest.json" { XCTAssertEqual(groupedFiles[file], data, "\(file) differs") }
    assertClose(try JSONSerialization.jsonObject(with: wholeFiles["manifest.json"]!),
                try JSONSerialization.jsonObject(with: groupedFiles["manifest.json"]!), at: "manifest")
  }
}

final class MemoryBudgetTests: XCTestCase {
  /// What happened, in order, from several threads.
  final class Events: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ event: String) { lock.withLock { list.append(event) } }
    var all: [String] { lock.withLock { list } }
  }

  func testALargePictureWaitsUntilTheOthersLeaveRoomButOneAloneAlwaysRuns() {
    let budget = MemoryBudget(totalBytes: 100)
    budget.acquire(500)  // over the budget, but nothing else is in flight: it runs
    budget.release(500)
    budget.acquire(80)
    let events = Events()
    let second = Thread {
      budget.acquire(80)
      events.append("second started")
      budget.release(80)
    }
    second.start()
    usleep(100_000)
    events.append("first done")
    budget.release(80)
    while events.all.count < 2 { usleep(1_000) }
    XCTAssertEqual(events.all, ["first done", "second started"])
    budget.acquire(40)  // small ones share the budget
    budget.acquire(40)
  }
}
