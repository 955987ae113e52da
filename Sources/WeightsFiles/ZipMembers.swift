import Foundation
import ZIPFoundation

/// The members of a zip file (NumPy .npz, PyTorch's zip format), each read with the size it declares as a
/// hard limit: a member that inflates past it (a zip bomb) is refused, and so is one whose checksum is wrong.
final class ZipMembers {
  let file: String
  private let archive: Archive
  private let entries: [String: Entry]
  /// Member paths in the archive's order.
  let paths: [String]

  init(file: String, bytes: Data) throws(WeightsError) {
    self.file = file
    do {
      archive = try Archive(data: bytes, accessMode: .read)
    } catch {
      throw WeightsError(file: file, reason: "is not a readable zip file (damaged or truncated?)")
    }
    var entries: [String: Entry] = [:]
    var paths: [String] = []
    for entry in archive where entry.type == .file {
      guard paths.count < WeightsLimits.maximumTensors else {
        throw WeightsError(file: file, reason: "holds more than \(WeightsLimits.maximumTensors) members, over the limit")
      }
      entries[entry.path] = entry
      paths.append(entry.path)
    }
    self.entries = entries
    self.paths = paths
  }

  /// The size `path` declares once inflated.
  func declaredSize(_ path: String) -> Int? { entries[path].map { Int(clamping: $0.uncompressedSize) } }

  /// The bytes of member `path`, at most `limit` of them.
  func read(_ path: String, limit: Int) throws(WeightsError) -> Data {
    guard let entry = entries[path] else { throw WeightsError(file: file, reason: "has no member '\(path)'") }
    let declared = Int(clamping: entry.uncompressedSize)
    if declared > limit { throw WeightsError(file: file, reason: "member '\(path)' declares \(declared) bytes, over the limit of \(limit)") }
    var data = Data()
    data.reserveCapacity(declared)
    let checksum: CRC32
    do {
      checksum = try archive.extract(entry, skipCRC32: false) { chunk in
        if data.count + chunk.count > declared { throw InflatedTooFar() }
        data.append(chunk)
      }
    } catch is InflatedTooFar {
      throw WeightsError(file: file, reason: "member '\(path)' inflates past the \(declared) bytes it declares (a zip bomb?)")
    } catch {
      throw WeightsError(file: file, reason: "member '\(path)' cannot be read (damaged or truncated?)")
    }
    guard data.count == declared, checksum == entry.checksum else {
      throw WeightsError(file: file, reason: "member '\(path)' does not match its declared size and checksum (damaged?)")
    }
    return data
  }

  private struct InflatedTooFar: Error {}
}

/// A zip file is either NumPy's .npz (members NAME.npy) or PyTorch's format (ARCHIVE/data.pkl and its
/// storages).
enum ZipWeights {
  static func open(_ file: String, bytes: Data) throws(WeightsError) -> any WeightsReader {
    let members = try ZipMembers(file: file, bytes: bytes)
    if members.paths.contains(where: { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }) {
      return try TorchZipReader(members: members)
    }
    if members.paths.contains(where: { $0.hasSuffix(".npy") }) { return try NPZReader(members: members) }
    throw WeightsError(file: file, reason: "is a zip file with neither NumPy arrays (.npz) nor a PyTorch data.pkl")
  }
}

/// NumPy's `.npz`: a zip of `.npy` members, stored or deflated; `conv1.weight.npy` holds `conv1.weight`.
struct NPZReader: WeightsReader {
  let members: ZipMembers
  var file: String { members.file }
  var format: WeightsFormat { .npz }
  let tensors: [TensorInfo]

  init(members: ZipMembers) throws(WeightsError) {
    self.members = members
    var tensors: [TensorInfo] = []
    for path in members.paths where path.hasSuffix(".npy") {
      // The header is at the start of the member: 64 KiB hold any header NumPy writes.
      let head = try members.read(path, limit: WeightsLimits.maximumHeaderBytes)
      let array = try NPYArray.parse(head, name: String(path.dropLast(4)), file: members.file)
      tensors.append(TensorInfo(name: array.name, dtype: array.descr, shape: array.shape))
    }
    self.tensors = tensors
  }

  func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    let path = name + ".npy"
    guard let declared = members.declaredSize(path) else { throw WeightsError(file: file, reason: "has no tensor '\(name)'") }
    let bytes = try members.read(path, limit: min(declared, WeightsLimits.maximumElements * 8 + WeightsLimits.maximumHeaderBytes))
    return try NPYArray.parse(bytes, name: name, file: file).read(bytes, file: file)
  }
}
