import Foundation
import TestSupport
import XCTest

@testable import FilterBanks

/// The banks of Filters/ as the binary carries them (embedded at build time by the EmbedBanks plugin).
final class BuiltInBankTests: XCTestCase {
  func testEmbeddedBanksAreTheFilesOfFiltersByteForByte() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Project.path("Filters")).filter { $0.hasSuffix(".json") }.sorted()
    XCTAssertEqual(files.map { String($0.dropLast(5)) }, BankCatalog.builtInNames)
    for file in files {
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Project.path("Filters/\(file)"))))
      XCTAssertEqual(BankCatalog.builtInText(String(file.dropLast(5))).map { Array($0.utf8) }, bytes, file)
    }
  }

  func testEveryBuiltInBankIsValidAndDescribed() throws {
    for loaded in try BankCatalog.builtInBanks() {
      XCTAssertFalse(loaded.bank.description.isEmpty, loaded.bank.name)
      XCTAssertEqual(loaded.file, "builtin:\(loaded.bank.name)")
      XCTAssertNotNil(loaded.bank.source?.license, loaded.bank.name)
    }
  }
}
