import FilterBanks
import Foundation
import WeightsFiles

/// Reads the weights files a bank's layers take filters `from`, each file opened once however many layers
/// read it: what `BankCatalog.load` is given wherever a bank may come from a file.
public final class WeightsImporter: WeightsResolving, @unchecked Sendable {
  private var readers: [String: any WeightsReader] = [:]
  private let lock = NSLock()

  public init() {}

  public func filters(_ request: WeightsRequest, channels: Int, groups: Int) throws(WeightsRequestFailure) -> ImportedFilters {
    try request.read(from: try open(request.path), channels: channels, groups: groups)
  }

  func open(_ path: String) throws(WeightsRequestFailure) -> any WeightsReader {
    lock.lock()
    defer { lock.unlock() }
    if let reader = readers[path] { return reader }
    do {
      let reader = try WeightsFile.open(path)
      readers[path] = reader
      return reader
    } catch {
      throw WeightsRequestFailure(field: "file", reason: error.description)
    }
  }
}
