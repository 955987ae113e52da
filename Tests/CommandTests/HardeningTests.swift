import Foundation
import ImageCodecs
import TestSupport
import XCTest

/// The defects of the second hardening round, each pinned down by the run that showed it.
final class HardeningTests: TemporaryFolderTestCase {
  let chelsea = Project.path("SampleImages/chelsea.png")
  let rocket = Project.path("SampleImages/rocket.jpg")

  func copy(_ source: String, to relative: String) throws {
    let target = URL(fileURLWithPath: path(relative))
    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: URL(fileURLWithPath: source), to: target)
  }

  func pngs(_ relative: String) -> [String] { files(relative).filter { $0.hasSuffix(".png") } }

  /// A picture named with 255 bytes (NAME_MAX) failed with "file name too long": the staging folder added to
  /// the picture's name. A folder path past PATH_MAX is one line, status 2.
  func testAPictureNamedWithTheLongestNameTheSystemAllowsIsProcessed() throws {
    let name = String(repeating: "p", count: 251) + ".png"
    try copy(chelsea, to: "in/" + name)
    let result = try runFeaturemaps([path("in/" + name), "--bank", "edges", "--out", path("maps")])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("maps/" + String(repeating: "p", count: 251) + "/manifest.json")))
    let deep = path((0..<20).map { _ in String(repeating: "d", count: 250) }.joined(separator: "/"))
    let refused = try runFeaturemaps([chelsea, "--bank", "edges", "--out", deep])
    XCTAssertEqual(refused.status, 2)
    XCTAssertEqual(refused.stderr, "featuremaps: \(deep): cannot create the folder: file name too long\n")
  }

  /// With --out inside an input folder, every rerun read the previous maps as pictures (311 PNGs after three
  /// runs, status 0).
  func testTheOutputFolderInsideAnInputFolderIsNeverReadAsInput() throws {
    try copy(chelsea, to: "in/chelsea.png")
    for _ in 0..<3 {
      let result = try runFeaturemaps([path("in"), "--bank", "edges", "--out", path("in/maps")])
      XCTAssertEqual(result.status, 0, result.stderr)
      XCTAssertTrue(result.stderr.contains("featuremaps: note: \(path("in/maps")) is the output folder; it is left out of the folders walked\n"),
                    result.stderr)
    }
    XCTAssertEqual(pngs("in").count, 6)  // the picture and its 5 maps, whatever the number of runs
    XCTAssertEqual(pngs("in").filter { $0.hasPrefix("maps/chelsea/") }.count, 5)
  }

  /// --skip-existing kept the results of another bank, the manifest still saying gabor, with no word.
  func testSkipExistingRedoesResultsMadeWithAnotherBankOrOtherOptions() throws {
    try copy(chelsea, to: "in/chelsea.png")
    try copy(rocket, to: "in/rocket.jpg")
    XCTAssertEqual(try runFeaturemaps([path("in"), "--bank", "gabor", "--out", path("maps"), "-q"]).status, 0)
    let other = try runFeaturemaps([path("in"), "--bank", "edges", "--out", path("maps"), "--skip-existing"])
    XCTAssertEqual(other.status, 0, other.stderr)
    XCTAssertTrue(other.stderr.hasSuffix("featuremaps: 2 done (10 maps in \(path("maps"))), 2 made again (made with another bank), 0 failed; 1 with a harmless decoder warning (an ICC profile or another chunk the maps do not use; --log json lists them)\n"), other.stderr)
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("maps/rocket/manifest.json")))) as? [String: Any]
    XCTAssertEqual((manifest?["bank"] as? [String: Any])?["name"] as? String, "edges")
    XCTAssertEqual(pngs("maps/rocket").count, 5)
    let same = try runFeaturemaps([path("in"), "--bank", "edges", "--out", path("maps"), "--skip-existing"])
    XCTAssertTrue(same.stderr.hasSuffix("featuremaps: 0 done (0 maps in \(path("maps"))), 2 already done, 0 failed\n"), same.stderr)
    let options = try runFeaturemaps([path("in"), "--bank", "edges", "--out", path("maps"), "--skip-existing", "--normalize", "abs", "-q"])
    XCTAssertEqual(options.status, 0)
    let again = try runFeaturemaps([path("in"), "--bank", "edges", "--out", path("maps"), "--skip-existing", "--normalize", "abs"])
    XCTAssertTrue(again.stderr.hasSuffix("2 already done, 0 failed\n"), again.stderr)
  }

  /// The first Ctrl-C printed nothing and waited for the picture under way to finish (46 s for a 12 MP
  /// photo), then said to rerun although nothing was left.
  func testTheFirstInterruptDropsThePictureUnderWayAtOnce() throws {
    // A 2400x1800 picture and 64 filters of 31x31x3 computed directly: many seconds of work.
    let (width, height) = (2400, 1800)
    var samples = [UInt8](repeating: 0, count: width * height)
    for i in samples.indices { samples[i] = UInt8(truncatingIfNeeded: (i % width) ^ (i / width)) }
    try samples.withUnsafeBufferPointer { try GrayPNG.write($0, width: width, height: height, to: path("big.png")) }
    let kernel = "[" + Array(repeating: "[" + Array(repeating: "0.001", count: 31).joined(separator: ",") + "]", count: 31).joined(separator: ",") + "]"
    let filters = (0..<64).map { "{\"name\": \"f\($0)\", \"weights\": [\(kernel), \(kernel), \(kernel)]}" }.joined(separator: ",")
    try Data("{\"format\": \"featuremaps-bank/1\", \"filters\": [\(filters)]}".utf8).write(to: URL(fileURLWithPath: path("heavy.json")))

    let process = Process()
    process.executableURL = URL(fileURLWithPath: Project.binary)
    process.arguments = [path("big.png"), "--bank", path("heavy.json"), "--out", path("maps"), "--engine", "direct"]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    // The picture's staging folder appears once it is decoded and the bank is checked: computing starts then.
    let deadline = Date().addingTimeInterval(120)
    func staging() -> Bool {
      ((try? FileManager.default.contentsOfDirectory(atPath: path("maps"))) ?? []).contains { $0.hasPrefix(".featuremaps-staging-") }
    }
    while !staging() && process.isRunning && Date() < deadline { usleep(20_000) }
    usleep(500_000)
    guard process.isRunning else { throw XCTSkip("the picture was done in under half a second on this machine: nothing to interrupt") }
    let signalled = Date()
    kill(process.processIdentifier, SIGINT)
    process.waitUntilExit()
    let stopping = Date().timeIntervalSince(signalled)
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    XCTAssertEqual(process.terminationStatus, 130, stderr)
    XCTAssertLessThan(stopping, 3, "the run took \(stopping) s to stop")
    XCTAssertTrue(stderr.contains("featuremaps: stopping: no new picture is started, and the 1 under way is dropped (nothing of it is kept)\n"), stderr)
    XCTAssertTrue(stderr.hasSuffix("featuremaps: 0 done (0 maps in \(path("maps"))), 0 failed; interrupted: 1 picture left (1 dropped while under way, 0 not started): rerun with --skip-existing to finish\n"), stderr)
    XCTAssertEqual(files("maps"), [], "a result or a staging folder was left")
  }

  /// In folders "skipped" lumped files that are not pictures with pictures already done, and a .jpg that is
  /// not a JPEG was skipped in silence (a failure when named on the command line); a folder with no
  /// picture at all ended with status 0.
  func testAFolderCountsEachKindApartAndAFolderWithNoPictureFails() throws {
    try copy(chelsea, to: "in/chelsea.png")
    try Data("not a picture".utf8).write(to: URL(fileURLWithPath: path("in/fake.jpg")))
    try Data("shopping list".utf8).write(to: URL(fileURLWithPath: path("in/notes.txt")))
    let result = try runFeaturemaps([path("in"), "--bank", "edges", "--out", path("maps"), "--log", "json"])
    XCTAssertEqual(result.status, 1)
    XCTAssertTrue(result.stderr.contains("featuremaps: \(path("in/fake.jpg")): not a JPEG or PNG"), result.stderr)
    XCTAssertTrue(result.stderr.contains("featuremaps: 1 done (5 maps in \(path("maps"))), 1 file that is not a picture, 1 failed: \(path("in/fake.jpg"))"),
                  result.stderr)
    XCTAssertTrue(result.stdout.contains("\"path\":\"\(path("in/fake.jpg"))\",\"status\":\"failed\""), result.stdout)

    try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: true)
    try Data("shopping list".utf8).write(to: URL(fileURLWithPath: path("empty/notes.txt")))
    let none = try runFeaturemaps([path("empty"), "--bank", "edges", "--out", path("maps2")])
    XCTAssertEqual(none.status, 1)
    XCTAssertEqual(none.stderr, "featuremaps: no picture found in \(path("empty")) (1 file that is not a picture)\n")
  }

  /// learn stopped at the first damaged picture of a folder (status 1, no bank), and learn, explain and
  /// report had no --allow-truncated.
  func testLearnGoesOnPastADamagedPictureAndEveryPictureCommandTakesAllowTruncated() throws {
    try copy(chelsea, to: "in/chelsea.png")
    try copy(Project.path("SampleImages/coffee.png"), to: "in/coffee.png")
    let bytes = try Data(contentsOf: URL(fileURLWithPath: rocket))
    try bytes.prefix(bytes.count * 6 / 10).write(to: URL(fileURLWithPath: path("in/cut.jpg")))
    let learned = try runFeaturemaps(["learn", path("in"), "--filters", "4", "--size", "3", "--patches", "2000", "--out", path("l.json")])
    XCTAssertEqual(learned.status, 1)
    XCTAssertTrue(learned.stderr.contains("featuremaps: \(path("in/cut.jpg")): truncated JPEG"), learned.stderr)
    XCTAssertTrue(FileManager.default.fileExists(atPath: path("l.json")), "the bank of the other pictures was not written")
    let all = try runFeaturemaps(["learn", path("in"), "--filters", "4", "--size", "3", "--patches", "2000", "--allow-truncated",
                                  "--out", path("l2.json")])
    XCTAssertEqual(all.status, 0, all.stderr)

    let cut = path("in/cut.jpg")
    XCTAssertEqual(try runFeaturemaps(["explain", cut, "--bank", "edges", "--at", "1,1"]).status, 1)
    XCTAssertEqual(try runFeaturemaps(["explain", cut, "--bank", "edges", "--at", "1,1", "--allow-truncated"]).status, 0)
    XCTAssertEqual(try runFeaturemaps(["report", cut, "--bank", "edges", "--out", path("r1")]).status, 1)
    XCTAssertEqual(try runFeaturemaps(["report", cut, "--bank", "edges", "--out", path("r2"), "--allow-truncated"]).status, 0)
  }
}
