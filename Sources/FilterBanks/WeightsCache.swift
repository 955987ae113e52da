import Foundation
import WeightsFiles

/// Weights files opened while one bank is decoded, by path: several layers usually read the same file.
final class WeightsCache: @unchecked Sendable {
  private var readers: [String: any WeightsReader] = [:]

  func open(_ path: String) throws(WeightsError) -> any WeightsReader {
    if let reader = readers[path] { return reader }
    let reader = try WeightsFile.open(path)
    readers[path] = reader
    return reader
  }
}
