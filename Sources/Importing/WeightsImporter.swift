import FilterBanks
import Foundation
import WeightsFiles

/// Reads the weights files a bank's layers take filters `from`, each file opened once however many layers
/// read it: what `BankCatalog.load` is given wherever a bank may come from a file.
public final class WeightsImporter: WeightsResolving, @unchecked Sendable {
  private var readers: [String: any WeightsReader] = [:]
  private let lock = NSLock()

  public init() {}

  public func filters(_ request: WeightsRequest, channels: Int, groups: Int?) throws(WeightsRequestFailure) -> ImportedFilters {
    let reader = try open(request.path)
    guard let node = request.node else { return try request.read(from: reader, channels: channels, groups: groups ?? 1) }
    guard let onnx = reader as? ONNXReader else {
      throw WeightsRequestFailure(field: "node", reason: "\(request.file) is not an ONNX file: \"node\" names an ONNX Conv node")
    }
    return try ONNXConv.named(node, in: onnx).filters(reader: onnx, channels: channels, groups: groups)
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
