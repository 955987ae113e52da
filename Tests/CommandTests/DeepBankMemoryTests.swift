import Foundation
import TestSupport
import XCTest

/// Deep banks stream every layer in bands: the memory of a run does not grow with the number of layers.
final class DeepBankMemoryTests: TemporaryFolderTestCase {
  /// A bank of `depth` conv layers 3x3 with ReLU, 16 filters each but the last (1 filter), seeded weights
  /// scaled as a trained layer's.
  func writeBank(depth: Int, named name: String) throws -> String {
    var rng = SeededRandom(seed: UInt64(depth))
    var layers: [String] = []
    for i in 0..<depth {
      let channels = i == 0 ? 3 : 16
      let scale = Float(0.5 / Double(channels * 9).squareRoot())
      let filters = (0..<(i < depth - 1 ? 16 : 1)).map { f in
        let weights = (0..<channels).map { _ in
          "[" + (0..<3).map { _ in "[" + rng.floats(3).map { "\($0 * scale)" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        }
        return #"{"name":"l\#(i)-\#(f)","weights":[\#(weights.joined(separator: ","))]}"#
      }
      layers.append(#"{"type":"conv","padding":"same","activation":"relu","filters":[\#(filters.joined(separator: ","))]}"#)
    }
    let json = #"{"format":"featuremaps-bank/1","name":"deep-\#(depth)","layers":[\#(layers.joined(separator: ","))]}"#
    try json.write(toFile: path(name), atomically: true, encoding: .utf8)
    return path(name)
  }

  /// The process's own high-water mark after one picture (`peak_memory_bytes` of the JSON log).
  func peakMemory(bank: String, out: String) throws -> (bytes: Double, maps: String) {
    let result = try runFeaturemaps([Project.path("Tests/CommandTests/Pictures/retina.jpg"), "--bank", bank, "--out", path(out), "--log", "json", "-q"])
    XCTAssertEqual(result.status, 0, result.stderr)
    let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let timings = try XCTUnwrap(line["timings"] as? [String: Any])
    return (try XCTUnwrap(timings["peak_memory_bytes"] as? Double), try XCTUnwrap(timings["maps"] as? String))
  }

  /// On a 2 MP photo each 16-filter layer is 127 MB whole: computed whole, the inner layers of a 5-layer
  /// bank would be held two at a time, a 2-layer bank's one (both last layers are one small map); streamed,
  /// both hold windows of rows within the same budget.
  func testFiveLayersTakeNoMoreMemoryThanTwo() throws {
    let two = try peakMemory(bank: try writeBank(depth: 2, named: "two.json"), out: "two")
    let five = try peakMemory(bank: try writeBank(depth: 5, named: "five.json"), out: "five")
    XCTAssertEqual(two.maps, "maps whole")
    XCTAssertLessThanOrEqual(five.bytes, two.bytes * 1.1, "5 layers: \(Int(five.bytes) >> 20) MiB, 2 layers: \(Int(two.bytes) >> 20) MiB")
  }
}
