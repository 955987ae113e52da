import Foundation
import XCTest

/// A fresh temporary folder per test.
open class TemporaryFolderTestCase: XCTestCase {
  public var folder: URL!

  open override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("fm-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  open override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  public func path(_ relative: String) -> String { folder.appendingPathComponent(relative).path }

  /// Files under `relative`, sorted, relative to it.
  public func files(_ relative: String) -> [String] {
    (FileManager.default.enumerator(atPath: path(relative))?.allObjects as? [String] ?? [])
      .filter { !isDirectory(path(relative) + "/" + $0) }.sorted()
  }

  public func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
  }

  public func json(_ relative: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path(relative)))
    return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
  }
}
