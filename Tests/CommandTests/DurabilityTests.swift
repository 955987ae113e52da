import Basics
import Foundation
import ImageCodecs
import TestSupport
import XCTest

/// What a full disk, a killed process and two runs on one folder leave: complete results only, an
/// earlier result intact when a new one cannot be written, and a rerun that finishes the batch.
final class DurabilityTests: TemporaryFolderTestCase {
  let samples = ["rocket.jpg", "coffee.png", "chelsea.png"].map { Project.path("SampleImages/\($0)") }
  let tiny = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Pictures/tiny.png").path

  func copy(_ source: String, to relative: String) throws {
    let target = URL(fileURLWithPath: path(relative))
    try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: URL(fileURLWithPath: source), to: target)
  }

  /// Every picture folder under `relative`: a manifest only beside every map it lists, each complete, and
  /// no other map; every PNG under a final name complete. Returns the folders with a manifest.
  @discardableResult
  func assertOnlyCompleteResults(_ relative: String, _ context: String) throws -> Set<String> {
    var complete = Set<String>()
    for file in files(relative) where !file.split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
      if file.hasSuffix(".png") {
        XCTAssertNoThrow(try PictureDecoder().decode(path: path("\(relative)/\(file)")), "\(context): \(file) is not a complete PNG")
      }
      guard file.hasSuffix("/manifest.json") else { continue }
      let folder = String(file.dropLast("/manifest.json".count))
      complete.insert(folder)
      let manifest = try json("\(relative)/\(file)")
      let listed = Set((manifest["maps"] as! [[String: Any]]).map { $0["file"] as! String })
      let present = Set(files("\(relative)/\(folder)").filter { $0 != "manifest.json" && !$0.hasPrefix(".") && !$0.contains("/") })
      XCTAssertEqual(present, listed, "\(context): \(folder) holds other maps than its manifest lists")
    }
    return complete
  }

  /// A 3 MB file system: a new result that does not fit fails with "no space left on device", one line
  /// for that picture, status 1; its earlier result stays byte for byte; the other picture is written;
  /// nothing temporary is left.
  func testAFullDiskKeepsTheEarlierResultAndSaysTheDiskIsFull() throws {
    let mount = try Process.run(URL(fileURLWithPath: "/usr/bin/unshare"), arguments: ["-m", "true"])
    mount.waitUntilExit()
    guard mount.terminationStatus == 0 else {
      throw XCTSkip("SKIPPED: this machine cannot make a small file system here (unshare -m needs root or CAP_SYS_ADMIN)")
    }
    try FileManager.default.createDirectory(atPath: path("disk"), withIntermediateDirectories: true)
    // A mount namespace of its own: the small file system goes away with the script.
    let script = """
      set -u
      mount -t tmpfs -o size=3m tmpfs "$1" || exit 99
      cd "$1"
      "$2" "$4" --bank edges --out out -q; echo "first $?" > "$3/status"
      (cd out/chelsea && sha256sum *) > "$3/before"
      "$2" "$4" "$5" --bank gabor --format npy --out out --jobs 1 2> "$3/stderr"; echo "second $?" >> "$3/status"
      (cd out/chelsea && sha256sum *) > "$3/after"
      find out | sort > "$3/files"
      """
    let process = try Process.run(URL(fileURLWithPath: "/usr/bin/unshare"),
                                  arguments: ["-m", "sh", "-c", script, "sh", path("disk"), Project.binary, folder.path, samples[2], tiny])
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0)
    let read = { (name: String) in try String(contentsOfFile: self.path(name), encoding: .utf8) }
    XCTAssertEqual(try read("status"), "first 0\nsecond 1\n")
    let stderr = try read("stderr").split(separator: "\n")
    guard stderr.count == 2 else { return XCTFail("expected the picture's line and the summary:\n" + stderr.joined(separator: "\n")) }
    XCTAssertTrue(stderr[0].hasPrefix("featuremaps: \(samples[2]): "), String(stderr[0]))
    XCTAssertTrue(stderr[0].hasSuffix("no space left on device"), String(stderr[0]))
    XCTAssertTrue(stderr[1].contains("1 done") && stderr[1].contains("1 failed"), String(stderr[1]))
    XCTAssertEqual(try read("after"), try read("before"), "the earlier result changed")
    XCTAssertEqual(try read("before").split(separator: "\n").count, 6)  // 5 maps and the manifest
    let written = try read("files").split(separator: "\n").map(String.init)
    XCTAssertTrue(written.contains("out/tiny/manifest.json"), "the other picture was not written")
    XCTAssertEqual(written.filter { $0.contains("/.") }, [], "temporary files or folders were left")
  }

  /// SIGKILL at several moments of a batch: only complete maps and complete manifests each time, and a
  /// rerun with --skip-existing completes the batch and removes what the killed runs left.
  func testSIGKILLAtAnyMomentLeavesOnlyCompleteResultsAndARerunFinishes() throws {
    for i in 0..<8 { try copy(samples[i % 3], to: "many/p\(i).\(i % 3 == 0 ? "jpg" : "png")") }
    let arguments = [path("many"), "--bank", "gabor", "--out", path("maps"), "--jobs", "2", "-q"]
    var kills = 0
    for delay in [0.05, 0.3, 0.6, 1.0, 1.5, 2.5] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Project.binary)
      process.arguments = arguments + ["--skip-existing"]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      usleep(useconds_t(delay * 1_000_000))
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        kills += 1
      }
      process.waitUntilExit()
      try assertOnlyCompleteResults("maps", "after SIGKILL at \(delay) s")
    }
    XCTAssertGreaterThan(kills, 2, "the runs finished before they could be killed")
    let rerun = try runFeaturemaps(arguments + ["--skip-existing"])
    XCTAssertEqual(rerun.status, 0, rerun.stderr)
    XCTAssertEqual(try assertOnlyCompleteResults("maps", "after the rerun").count, 8)
    XCTAssertEqual(files("maps").filter { $0.hasPrefix(".") || $0.contains("/.") }, [], "what the killed runs left is still there")
  }

  /// Two runs with different banks writing the same folders at once: both succeed, and each picture's
  /// folder holds one complete result (the maps its manifest lists, and no other).
  func testTwoRunsOnTheSameOutputBothSucceedWithCompleteResults() throws {
    for i in 0..<3 { try copy(samples[i], to: "set/p\(i).png") }
    for round in 0..<3 {
      let runs = ["edges", "blur-sharpen"].map { bank -> Process in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Project.binary)
        process.arguments = [path("set"), "--bank", bank, "--out", path("maps"), "-q"]
        process.standardError = FileHandle.nullDevice
        return process
      }
      for run in runs { try run.run() }
      for run in runs { run.waitUntilExit() }
      XCTAssertEqual(runs.map(\.terminationStatus), [0, 0], "round \(round)")
      XCTAssertEqual(try assertOnlyCompleteResults("maps", "round \(round)").count, 3)
    }
  }

  /// A picture beside a folder of its name (photos/cats.png and photos/cats/tom.png): neither result is
  /// inside the other, and writing one again leaves the other whole.
  func testAPictureBesideAFolderOfItsNameKeepsItsExtension() throws {
    try copy(samples[2], to: "photos/cats.png")
    try copy(samples[1], to: "photos/cats/tom.png")
    XCTAssertEqual(try runFeaturemaps([path("photos"), "--bank", "edges", "--out", path("maps"), "-q"]).status, 0)
    XCTAssertEqual(try assertOnlyCompleteResults("maps", "first run"), ["cats.png", "cats/tom"])
    XCTAssertEqual(try runFeaturemaps([path("photos"), "--bank", "blur-sharpen", "--out", path("maps"), "-q"]).status, 0)
    XCTAssertEqual(try assertOnlyCompleteResults("maps", "second run"), ["cats.png", "cats/tom"])
    XCTAssertEqual(files("maps/cats/tom").filter { $0.hasSuffix(".png") }.count, 4)
  }

  /// Harmless decoder warnings (chelsea.png's ICC profile, which libpng calls known incorrect) are counted
  /// in the summary line, not printed per picture; --log json keeps each.
  func testHarmlessWarningsAreCountedNotPrinted() throws {
    let result = try runFeaturemaps([samples[2], samples[1], "--bank", "edges", "--out", path("maps"), "--log", "json"])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertFalse(result.stderr.contains("warning:"), result.stderr)
    XCTAssertTrue(result.stderr.contains("1 with a harmless decoder warning"), result.stderr)
    let lines = try result.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    XCTAssertEqual(lines.compactMap { $0["warning"] as? String }, ["iCCP: known incorrect sRGB profile"])
  }

  /// Paths the system refuses: one line with the system's reason, status 2 (an output that cannot be
  /// created is bad usage: nothing was processed).
  func testAnOutputPathTheSystemRefusesIsOneLineWithItsReason() throws {
    let long = path(String(repeating: "x", count: 300))  // a name over 255 bytes
    let result = try runFeaturemaps([samples[1], "--bank", "edges", "--out", long])
    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.stderr, "featuremaps: \(long): cannot create the folder: file name too long\n")
    try Data().write(to: URL(fileURLWithPath: path("file")))
    let blocked = try runFeaturemaps([samples[1], "--bank", "edges", "--out", path("file/maps")])
    XCTAssertEqual(blocked.status, 2)
    XCTAssertEqual(blocked.stderr, "featuremaps: \(path("file/maps")): cannot create the folder: not a directory\n")
  }
}
