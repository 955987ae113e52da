import Basics
import Foundation
import ImageCodecs
import TestSupport
import XCTest

/// Folders of pictures through the built binary: mirrored output, failures, resuming, interrupting, shards.
final class FolderTests: TemporaryFolderTestCase {
  let samples = ["rocket.jpg", "coffee.png", "chelsea.png"].map { Project.path("SampleImages/\($0)") }

  func copy(_ source: String, to relative: String) throws {
    let target = URL(fileURLWithPath: path(relative))
    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: URL(fileURLWithPath: source), to: target)
  }

  func write(_ text: String, to relative: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path(relative)))
  }

  /// photos/ with nested real pictures, a damaged JPEG, a text file, a hidden picture and a collision.
  func makePhotoFolder() throws {
    try copy(samples[0], to: "photos/rocket.jpg")
    try copy(samples[1], to: "photos/cats/coffee.png")
    try copy(samples[2], to: "photos/cats/tom.png")
    try copy(samples[0], to: "photos/cats/tom.jpg")  // collides with tom.png
    try copy(samples[2], to: "photos/deep/er/chelsea.png")
    try copy(samples[2], to: "photos/.hidden/secret.png")
    let rocket = try Data(contentsOf: URL(fileURLWithPath: samples[0]))
    try rocket.prefix(5000).write(to: URL(fileURLWithPath: path("photos/deep/broken.jpg")))
    try write("shopping list\n", to: "photos/notes.txt")
    try write("not a picture", to: "photos/cats/fake.jpg")
  }

  func logLines(_ stdout: String) throws -> [[String: Any]] {
    try stdout.split(separator: "\n").map { line in
      try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
    }
  }

  func testANestedFolderGivesTheMirroredOutputTheFailuresAndStatusOne() throws {
    try makePhotoFolder()
    let result = try runFeaturemaps([path("photos"), "--bank", "edges", "--out", path("maps"), "--log", "json", "--jobs", "2"])
    XCTAssertEqual(result.status, 1, result.stderr)
    let manifests = files("maps").filter { $0.hasSuffix("manifest.json") }
    XCTAssertEqual(manifests, ["cats/coffee/manifest.json", "cats/tom.jpg/manifest.json", "cats/tom.png/manifest.json",
                               "deep/er/chelsea/manifest.json", "rocket/manifest.json"])
    XCTAssertEqual(files("maps").filter { $0.hasSuffix(".png") }.count, 25)
    XCTAssertEqual(files("maps").filter { $0.contains(AtomicFile.temporaryPrefix) }, [])
    XCTAssertTrue(result.stderr.contains("featuremaps: \(path("photos"))/deep/broken.jpg: truncated JPEG"), result.stderr)
    // Two copies of chelsea.png carry an ICC profile libpng warns about: counted, not printed.
    // notes.txt is not a picture and says so by its name; cats/fake.jpg claims to be one and is not: a failure.
    XCTAssertTrue(result.stderr.hasSuffix("featuremaps: 5 done (25 maps in \(path("maps"))), 1 file that is not a picture, 2 failed: "
                                          + "\(path("photos"))/cats/fake.jpg, \(path("photos"))/deep/broken.jpg"
                                          + "; 2 with a harmless decoder warning (an ICC profile or another chunk the maps do not use; --log json lists them)\n"),
                  result.stderr)
    let log = try logLines(result.stdout)
    XCTAssertEqual(log.count, 7)
    XCTAssertEqual(log.filter { $0["status"] as? String == "done" }.count, 5)
    let failed = log.filter { $0["status"] as? String == "failed" }
    XCTAssertEqual(failed.map { $0["path"] as? String }, [path("photos") + "/cats/fake.jpg", path("photos") + "/deep/broken.jpg"])
    XCTAssertTrue(failed.allSatisfy { $0["error"] as? String != nil })
    for line in log {
      XCTAssertNotNil(line["seconds"] as? Double)
      XCTAssertNotNil(line["maps"] as? Int)
    }
  }

  func testSkipExistingAfterARunWritesNothingNew() throws {
    try makePhotoFolder()
    _ = try runFeaturemaps([path("photos"), "--bank", "edges", "--out", path("maps"), "-q"])
    let before = try snapshot("maps")
    let again = try runFeaturemaps([path("photos"), "--bank", "edges", "--out", path("maps"), "--skip-existing", "--log", "json"])
    XCTAssertEqual(again.status, 1)  // broken.jpg still fails
    XCTAssertEqual(try logLines(again.stdout).filter { $0["status"] as? String == "skipped" }.count, 5)
    XCTAssertEqual(try snapshot("maps"), before)
  }

  /// Every file with its size and modification time.
  func snapshot(_ relative: String) throws -> [String: [Double]] {
    var result: [String: [Double]] = [:]
    for file in files(relative) {
      let attributes = try FileManager.default.attributesOfItem(atPath: path(relative) + "/" + file)
      result[file] = [Double(attributes[.size] as! Int), (attributes[.modificationDate] as! Date).timeIntervalSince1970]
    }
    return result
  }

  func testAnInterruptedRunLeavesOnlyFinishedFilesAndARerunCompletesIt() throws {
    for i in 0..<30 { try copy(samples[i % 3], to: "many/p\(i).\(i % 3 == 0 ? "jpg" : "png")") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Project.binary)
    process.arguments = [path("many"), "--bank", "edges", "--out", path("maps"), "--jobs", "2"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Interrupt once a few pictures are done.
    let deadline = Date().addingTimeInterval(60)
    while files("maps").filter({ $0.hasSuffix("manifest.json") }).count < 3 && Date() < deadline && process.isRunning {
      usleep(20_000)
    }
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 130)
    let written = files("maps")
    let done = written.filter { $0.hasSuffix("manifest.json") }.count
    XCTAssertLessThan(done, 30, "the run was not interrupted part-way")
    XCTAssertEqual(written.filter { $0.contains(AtomicFile.temporaryPrefix) }, [], "temporary files were left")
    for file in written where file.hasSuffix(".png") {
      XCTAssertNoThrow(try PictureDecoder().decode(path: path("maps/\(file)")), "\(file) is not a complete PNG")
    }
    let rerun = try runFeaturemaps([path("many"), "--bank", "edges", "--out", path("maps"), "--skip-existing", "--log", "json"])
    XCTAssertEqual(rerun.status, 0, rerun.stderr)
    XCTAssertEqual(try logLines(rerun.stdout).filter { $0["status"] as? String == "skipped" }.count, done)
    XCTAssertEqual(files("maps").filter { $0.hasSuffix("manifest.json") }.count, 30)
    XCTAssertEqual(files("maps").filter { $0.hasSuffix(".png") }.count, 150)
  }

  /// Every picture and every failing input (a .jpg that is no JPEG) is one shard's.
  func testShardsCoverEveryPictureExactlyOnce() throws {
    for i in 0..<12 { try copy(samples[i % 3], to: "set/sub\(i % 2)/p\(i).\(i % 3 == 0 ? "jpg" : "png")") }
    try write("not a picture", to: "set/fake.jpg")
    var seen: [String] = []
    var statuses: [Int32] = []
    for shard in 1...3 {
      let result = try runFeaturemaps([path("set"), "--bank", "color-opponent", "--out", path("maps"), "--shard", "\(shard)/3",
                                       "--log", "json", "--format", "npy"])
      statuses.append(result.status)
      seen += try logLines(result.stdout).map { $0["path"] as! String }
    }
    XCTAssertEqual(statuses.sorted(), [0, 0, 1])
    XCTAssertEqual(seen.sorted(), ((0..<12).map { path("set/sub\($0 % 2)/p\($0).\($0 % 3 == 0 ? "jpg" : "png")") } + [path("set/fake.jpg")]).sorted())
    XCTAssertEqual(files("maps").filter { $0.hasSuffix("manifest.json") }.count, 12)
  }

  func testSymbolicLinksToPicturesInAFolderAreProcessed() throws {
    try FileManager.default.createDirectory(atPath: path("links"), withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: path("links/cat.png"), withDestinationPath: samples[2])
    let result = try runFeaturemaps([path("links"), "--bank", "edges", "--out", path("maps"), "-q"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(files("maps").filter { $0.hasSuffix("manifest.json") }, ["cat/manifest.json"])
  }

  func testFilesFromStandardInput() throws {
    try copy(samples[0], to: "in/a.jpg")
    try copy(samples[2], to: "in/b.png")
    let result = try runFeaturemaps(["--files-from", "-", "--bank", "edges", "--out", path("maps"), "-q"],
                                    input: path("in/a.jpg") + "\n" + path("in/b.png") + "\n")
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertEqual(files("maps").filter { $0.hasSuffix("manifest.json") }, ["a/manifest.json", "b/manifest.json"])
  }
}
