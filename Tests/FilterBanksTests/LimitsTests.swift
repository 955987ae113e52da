import Foundation
import Importing
import TestSupport
import XCTest

@testable import FilterBanks

/// Every limit of the README's "Limits" section that a bank can reach: refused in one line naming the file,
/// the JSON path and the limit, before anything large is allocated.
final class LimitsTests: TemporaryFolderTestCase {
  static let oneByOne = "{\"type\": \"conv\", \"filters\": [{\"name\": \"a\", \"weights\": [[[1]], [[1]], [[1]]]}]}"

  func refusal(_ json: String) -> String {
    do {
      _ = try FilterBank.parse(Array(json.utf8), file: "t.json", folder: folder.path, weights: WeightsImporter())
      return "accepted"
    } catch {
      return error.description
    }
  }

  func bank(_ layers: [String]) -> String { "{\"format\": \"featuremaps-bank/1\", \"layers\": [\(layers.joined(separator: ", "))]}" }

  func testABankFileOverSixtyFourMebibytesIsRefusedBeforeItIsRead() throws {
    let file = path("huge.json")
    XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: nil))
    let handle = try XCTUnwrap(FileHandle(forWritingAtPath: file))
    try handle.truncate(atOffset: UInt64(BankLimits.maximumFileBytes + 1))  // sparse: nothing is written
    try handle.close()
    XCTAssertThrowsError(try FilterBank.readFile(file)) { error in
      XCTAssertEqual("\(error)", "\(file): the file is 67108865 bytes, over the limit of 67108864 for a bank")
    }
  }

  func testLayersStridesDilationsPaddingAndNamesHaveLimits() {
    let pool = "{\"type\": \"maxpool\", \"size\": 1}"
    XCTAssertEqual(refusal(bank([Self.oneByOne] + Array(repeating: pool, count: 31))), "accepted")
    XCTAssertEqual(refusal(bank([Self.oneByOne] + Array(repeating: pool, count: 32))), "t.json: layers: 33 layers, over the limit of 32")
    let conv = { (extra: String) in "{\"type\": \"conv\", \(extra), \"filters\": [{\"name\": \"a\", \"weights\": [[[1]], [[1]], [[1]]]}]}" }
    XCTAssertEqual(refusal(bank([conv("\"stride\": 64")])), "accepted")
    XCTAssertTrue(refusal(bank([conv("\"stride\": 65")])).hasPrefix("t.json: layers[0].stride: "), refusal(bank([conv("\"stride\": 65")])))
    XCTAssertTrue(refusal(bank([conv("\"stride\": 65")])).contains("64"))
    XCTAssertTrue(refusal(bank([conv("\"dilation\": [1, 65]")])).hasPrefix("t.json: layers[0].dilation[1]: "))
    XCTAssertEqual(refusal(bank([conv("\"padding\": 1024")])), "accepted")
    XCTAssertTrue(refusal(bank([conv("\"padding\": 1025")])).hasPrefix("t.json: layers[0].padding: "), refusal(bank([conv("\"padding\": 1025")])))
    let long = String(repeating: "n", count: BankLimits.maximumNameLength + 1)
    XCTAssertEqual(refusal(bank(["{\"type\": \"conv\", \"filters\": [{\"name\": \"\(long)\", \"weights\": [[[1]], [[1]], [[1]]]}]}"])),
                   "t.json: layers[0].filters[0].name: longer than 64 characters")
  }

  /// 16 Mi weights in all: two layers taken `from` NumPy files, 12.6 Mi and 4.3 Mi weights (16 Mi exactly passes).
  func testABankOfMoreThanSixteenMebiWeightsIsRefused() throws {
    func npy(_ name: String, shape: [Int]) throws {
      var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
      while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
      header += "\n"
      var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
      bytes += Array(header.utf8)
      let data = Data(bytes) + Data(count: shape.reduce(4, *))
      try data.write(to: URL(fileURLWithPath: path(name)))
    }
    try npy("one.npy", shape: [1024, 3, 64, 64])
    try npy("two.npy", shape: [65, 1024, 8, 8])
    let layers = ["{\"type\": \"conv\", \"from\": {\"file\": \"one.npy\"}}", "{\"type\": \"conv\", \"from\": {\"file\": \"two.npy\"}}"]
    XCTAssertEqual(refusal(bank(layers)), "t.json: layers[1]: the bank has more than 16777216 weights, over the limit")
  }
}
