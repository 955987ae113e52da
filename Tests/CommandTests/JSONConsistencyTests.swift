import Foundation
import TestSupport
import XCTest

/// The JSON that `explain`, `summary`, the manifest and `import --list` write names the same thing the same
/// way and gives it the same type: a padding is numbers (or a word), a gray mapping's step is `gray_step`
/// everywhere (`scale` is the scope, per-map or shared, in both), a PyTorch tensor's dtype is PyTorch's name.
final class JSONConsistencyTests: TemporaryFolderTestCase {
  let photo = Project.path("SampleImages/chelsea.png")

  func object(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
  }

  func testExplainSummaryAndTheManifestAgree() throws {
    let explained = try object(try runFeaturemaps(["explain", photo, "--bank", "resnet50-conv1", "--filter", "5", "--at", "40,30", "--json"]).stdout)
    let summary = try object(try runFeaturemaps(["summary", "resnet50-conv1", "--json"]).stdout)
    let layer = try XCTUnwrap((summary["layers"] as? [[String: Any]])?.first)
    XCTAssertEqual(layer["padding"] as? [Int], [3, 3, 3, 3], "summary: numbers, not a string")
    XCTAssertEqual(layer["padding"] as? [Int], explained["padding"] as? [Int])
    XCTAssertEqual(layer["stride"] as? [Int], explained["stride"] as? [Int])
    XCTAssertEqual((try object(try runFeaturemaps(["summary", "edges", "--json"]).stdout)["layers"] as? [[String: Any]])?.first?["padding"] as? String, "same")

    XCTAssertEqual(try runFeaturemaps([photo, "--bank", "resnet50-conv1", "--out", path("maps"), "-q"]).status, 0)
    let manifest = try XCTUnwrap(try json("maps/chelsea/manifest.json"))
    let map = try XCTUnwrap((manifest["maps"] as? [[String: Any]])?[5])
    let mapping = try XCTUnwrap(explained["mapping"] as? [String: Any])
    XCTAssertEqual(map["gray_step"] as? Double, mapping["gray_step"] as? Double)
    XCTAssertEqual(map["offset"] as? Double, mapping["offset"] as? Double)
    XCTAssertNil(map["scale"], "a map's step is gray_step, as in explain")
    XCTAssertEqual((manifest["options"] as? [String: Any])?["scale"] as? String, mapping["scale"] as? String, "scale: the scope, in both")
    XCTAssertTrue((manifest["value_mapping"] as? String ?? "").hasPrefix("value = offset + gray_step * gray"))
  }

  func testPyTorchDtypesAreNamedAsPyTorchNamesThem() throws {
    let listed = try runFeaturemaps(["import", Project.path("Tests/WeightsFilesTests/Files/state-dict.pth"), "--list"])
    XCTAssertEqual(listed.status, 0, listed.stderr)
    let rows = listed.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
    XCTAssertEqual(Set(rows.map { $0[1] }), ["float32", "int64"], listed.stdout)  // conv and batch norm, num_batches_tracked
  }
}
