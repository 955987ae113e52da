import FilterBanks
import Foundation
import TestSupport
import XCTest

/// `featuremaps learn` through the built binary: the same bank whatever --jobs, banks that the main
/// command applies, and one-line refusals.
final class LearnCommandTests: TemporaryFolderTestCase {
  let samples = Project.path("SampleImages")

  func testTheSameBankWhateverTheThreadsAndFromSavedPatches() throws {
    let common = [samples, "--filters", "8", "--size", "5", "--patches", "6000", "--seed", "4"]
    // The same --out for both (it is recorded in the bank's source, as the command line); --jobs and
    // --save-patches are not recorded.
    let one = try runFeaturemaps(["learn"] + common + ["--jobs", "1", "--out", path("one.json"), "--save-patches", path("patches.npy")])
    XCTAssertEqual(one.status, 0, one.stderr)
    let first = try Data(contentsOf: URL(fileURLWithPath: path("one.json")))
    try FileManager.default.removeItem(atPath: path("one.json"))
    let two = try runFeaturemaps(["learn"] + common + ["--jobs", "2", "--out", path("one.json")])
    XCTAssertEqual(two.status, 0, two.stderr)
    XCTAssertEqual(first, try Data(contentsOf: URL(fileURLWithPath: path("one.json"))), "--jobs 1 and --jobs 2 learned different banks")
    // The same patches read back from the file: the same filters (the source says where they came from).
    let again = try runFeaturemaps(["learn", "--patches-from", path("patches.npy"), "--filters", "8", "--size", "5", "--seed", "4",
                                    "--out", path("again.json")])
    XCTAssertEqual(again.status, 0, again.stderr)
    let a = try BankCatalog.load(path("one.json")).bank, b = try BankCatalog.load(path("again.json")).bank
    XCTAssertEqual(a.layers, b.layers)
    // A bank like any other: the main command applies it.
    let applied = try runFeaturemaps([samples + "/chelsea.png", "--bank", path("one.json"), "--out", path("maps"), "-q"])
    XCTAssertEqual(applied.status, 0, applied.stderr)
    XCTAssertEqual(files("maps/chelsea").filter { $0.hasSuffix(".png") }.count, 8)
    let source = try XCTUnwrap(try json("one.json")["source"] as? [String: Any])
    XCTAssertEqual(source["kind"] as? String, "learned")
    XCTAssertEqual(source["pictures"] as? Int, 3)
    XCTAssertEqual(source["patches"] as? Int, 6000)
    XCTAssertEqual(source["seed"] as? Int, 4)
  }

  func testRequestsThatCannotBeMetAreOneLineAndStatusTwo() throws {
    try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: true)
    let cases: [([String], String)] = [
      ([path("empty"), "--filters", "4", "--size", "5"], "featuremaps: no pictures to learn from\n"),
      ([Project.path("Tests/CommandTests/Pictures/tiny.png"), "--filters", "4", "--size", "9"],
       "featuremaps: --size 9 is larger than every picture: no 9x9 patch fits\n"),
      ([samples + "/chelsea.png", "--filters", "4", "--size", "5", "--patches", "5000000"],
       "featuremaps: the pictures hold 132312 patch positions of 5x5, fewer than the 5000000 patches asked (--patches)\n"),
    ]
    // Refused before any picture is read: patches too large to whiten, or to hold.
    let large = try runFeaturemaps(["learn", samples, "--filters", "4", "--size", "64", "--out", path("x.json")])
    XCTAssertEqual(large.status, 2)
    XCTAssertTrue(large.stderr.contains("--size 64 with RGB gives patches of 12288 values; whitening takes at most 512"), large.stderr)
    let many = try runFeaturemaps(["learn", samples, "--filters", "4", "--size", "13", "--patches", "100000000", "--out", path("x.json")])
    XCTAssertEqual(many.status, 2)
    XCTAssertTrue(many.stderr.contains("ask for fewer patches"), many.stderr)
    for (arguments, message) in cases {
      let result = try runFeaturemaps(["learn"] + arguments + ["--out", path("x.json")])
      XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
      XCTAssertEqual(result.stderr, message)
      XCTAssertFalse(FileManager.default.fileExists(atPath: path("x.json")))
    }
  }
}
