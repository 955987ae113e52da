import CLibDeflate
import Foundation

/// The members of a zip file (NumPy's .npz, PyTorch's format), read with every offset and size checked
/// against the file, and inflated by libdeflate into exactly the size the member declares: a member that
/// would inflate past it (a zip bomb) is refused, and so is one whose CRC-32 is wrong. (Not ZIPFoundation:
/// fuzzing found inputs that make it trap, from memory and from files alike.)
///
/// Read: the end of central directory record (and its ZIP64 form), the central directory's entries (with
/// their ZIP64 extra fields), the local headers; stored and deflated members; no encryption, no multi-disk.
final class ZipMembers {
  let file: String
  private let bytes: Data
  private var entries: [String: Entry] = [:]
  /// Member paths in the central directory's order.
  private(set) var paths: [String] = []

  struct Entry {
    let method: Int
    let crc: UInt32
    let compressedSize: Int
    let uncompressedSize: Int
    let localHeader: Int
  }

  init(file: String, bytes: Data) throws(WeightsError) {
    self.file = file
    self.bytes = bytes
    try readCentralDirectory()
  }

  private func fail(_ reason: String) -> WeightsError { WeightsError(file: file, reason: reason) }

  // MARK: - Little-endian fields, bounds checked

  private func integer(_ offset: Int, _ size: Int) throws(WeightsError) -> Int {
    guard offset >= 0, size <= bytes.count, offset <= bytes.count - size else {
      throw fail("is not a readable zip file (a record lies past its end: truncated?)")
    }
    var value: UInt64 = 0
    for i in 0..<size { value |= UInt64(bytes[bytes.startIndex + offset + i]) << (8 * UInt64(i)) }
    guard value <= UInt64(Int.max) else { throw fail("is not a readable zip file (a size of \(value))") }
    return Int(value)
  }

  // MARK: - The central directory

  private func readCentralDirectory() throws(WeightsError) {
    // The end record is in the last 22 + 65535 bytes (it may be followed by a comment).
    var end = -1
    var at = bytes.count - 22
    while at >= max(0, bytes.count - 22 - 65535) {
      if try integer(at, 4) == 0x0605_4B50 {
        end = at
        break
      }
      at -= 1
    }
    guard end >= 0 else { throw fail("is not a readable zip file (no end of central directory: truncated?)") }
    var count = try integer(end + 10, 2)
    var size = try integer(end + 12, 4)
    var offset = try integer(end + 16, 4)
    if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
      // ZIP64: a locator just before the end record points to the ZIP64 end record.
      guard end >= 20, try integer(end - 20, 4) == 0x0706_4B50 else { throw fail("is a ZIP64 file without its ZIP64 locator (damaged?)") }
      let record = try integer(end - 20 + 8, 8)
      guard try integer(record, 4) == 0x0606_4B50 else { throw fail("is a ZIP64 file whose ZIP64 end record is missing (damaged?)") }
      count = try integer(record + 32, 8)
      size = try integer(record + 40, 8)
      offset = try integer(record + 48, 8)
    }
    guard count <= WeightsLimits.maximumTensors else { throw fail("holds \(count) members, over the limit of \(WeightsLimits.maximumTensors)") }
    guard offset <= bytes.count, size <= bytes.count - offset else {
      throw fail("is not a readable zip file (its central directory lies past its end: truncated?)")
    }
    var entryAt = offset
    for _ in 0..<count {
      let at = entryAt
      guard try integer(at, 4) == 0x0201_4B50 else { throw fail("is not a readable zip file (a damaged central directory)") }
      let flags = try integer(at + 8, 2)
      let method = try integer(at + 10, 2)
      let crc = UInt32(try integer(at + 16, 4))
      var compressed = try integer(at + 20, 4)
      var uncompressed = try integer(at + 24, 4)
      let nameLength = try integer(at + 28, 2)
      let extraLength = try integer(at + 30, 2)
      let commentLength = try integer(at + 32, 2)
      var local = try integer(at + 42, 4)
      let nameStart = at + 46
      if nameLength + extraLength + commentLength > 0 {
        _ = try integer(nameStart + nameLength + extraLength + commentLength - 1, 1)  // all of it inside the file
      }
      let path = String(decoding: bytes[(bytes.startIndex + nameStart)..<(bytes.startIndex + nameStart + nameLength)], as: UTF8.self)
      // ZIP64 extra field (id 1): the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
      var extra = nameStart + nameLength
      while extra + 4 <= nameStart + nameLength + extraLength {
        let (id, length) = (try integer(extra, 2), try integer(extra + 2, 2))
        if id == 1 {
          var field = extra + 4
          if uncompressed == 0xFFFF_FFFF { uncompressed = try integer(field, 8); field += 8 }
          if compressed == 0xFFFF_FFFF { compressed = try integer(field, 8); field += 8 }
          if local == 0xFFFF_FFFF { local = try integer(field, 8) }
        }
        extra += 4 + length
      }
      entryAt = nameStart + nameLength + extraLength + commentLength
      if path.hasSuffix("/") { continue }  // a folder
      if flags & 1 != 0 { throw fail("member '\(path)' is encrypted") }
      entries[path] = Entry(method: method, crc: crc, compressedSize: compressed, uncompressedSize: uncompressed, localHeader: local)
      paths.append(path)
    }
  }

  // MARK: - Members

  /// The size `path` declares once inflated.
  func declaredSize(_ path: String) -> Int? { entries[path]?.uncompressedSize }

  /// The bytes of member `path`, at most `limit` of them.
  func read(_ path: String, limit: Int) throws(WeightsError) -> Data {
    guard let entry = entries[path] else { throw fail("has no member '\(path)'") }
    if entry.uncompressedSize > limit {
      throw fail("member '\(path)' declares \(entry.uncompressedSize) bytes, over the limit of \(limit)")
    }
    guard try integer(entry.localHeader, 4) == 0x0403_4B50 else { throw fail("member '\(path)' has no local header (damaged?)") }
    let start = entry.localHeader + 30 + (try integer(entry.localHeader + 26, 2)) + (try integer(entry.localHeader + 28, 2))
    guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
      throw fail("member '\(path)' lies past the end of the file (truncated?)")
    }
    let stored = bytes.subdata(in: (bytes.startIndex + start)..<(bytes.startIndex + start + entry.compressedSize))
    let data: Data
    switch entry.method {
    case 0:
      guard entry.compressedSize == entry.uncompressedSize else { throw fail("member '\(path)' is stored with two different sizes (damaged?)") }
      data = stored
    case 8:
      data = try inflate(stored, to: entry.uncompressedSize, path: path)
    default:
      throw fail("member '\(path)' is compressed with method \(entry.method); featuremaps reads stored and deflated members")
    }
    let crc = data.withUnsafeBytes { UInt32(libdeflate_crc32(0, $0.baseAddress, $0.count)) }
    guard crc == entry.crc else { throw fail("member '\(path)' does not match its checksum (damaged?)") }
    return data
  }

  /// Raw deflate into exactly `size` bytes.
  private func inflate(_ compressed: Data, to size: Int, path: String) throws(WeightsError) -> Data {
    guard let decompressor = libdeflate_alloc_decompressor() else { throw fail("out of memory") }
    defer { libdeflate_free_decompressor(decompressor) }
    var out = Data(count: size)
    var produced = 0
    let result = compressed.withUnsafeBytes { input in
      out.withUnsafeMutableBytes { output in
        libdeflate_deflate_decompress(decompressor, input.baseAddress, input.count, output.baseAddress, size, &produced)
      }
    }
    switch result {
    case LIBDEFLATE_SUCCESS where produced == size: return out
    case LIBDEFLATE_INSUFFICIENT_SPACE: throw fail("member '\(path)' inflates past the \(size) bytes it declares (a zip bomb?)")
    case LIBDEFLATE_SUCCESS, LIBDEFLATE_SHORT_OUTPUT: throw fail("member '\(path)' inflates to fewer than the \(size) bytes it declares (damaged?)")
    default: throw fail("member '\(path)' cannot be inflated (damaged?)")
    }
  }
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
      let bytes = try members.read(path, limit: WeightsLimits.maximumElements * 8 + WeightsLimits.maximumHeaderBytes)
      let array = try NPYArray.parse(bytes, name: String(path.dropLast(4)), file: members.file)
      tensors.append(TensorInfo(name: array.name, dtype: array.descr, shape: array.shape))
    }
    self.tensors = tensors
  }

  func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    let path = name + ".npy"
    guard members.declaredSize(path) != nil else { throw WeightsError(file: file, reason: "has no tensor '\(name)'") }
    let bytes = try members.read(path, limit: WeightsLimits.maximumElements * 8 + WeightsLimits.maximumHeaderBytes)
    return try NPYArray.parse(bytes, name: name, file: file).read(bytes, file: file)
  }
}
