import Basics
import Foundation

/// PyTorch's zip format (`torch.save` since 1.6): ARCHIVE/data.pkl, a pickle whose persistent ids name
/// storages, and ARCHIVE/data/KEY, each storage's raw numbers; ARCHIVE/byteorder says their byte order.
struct TorchZipReader: WeightsReader {
  let members: ZipMembers
  var file: String { members.file }
  var format: WeightsFormat { .pytorchZip }
  let tensors: [TensorInfo]
  private let views: [String: TorchTensor]
  private let prefix: String
  private let bigEndian: Bool

  init(members: ZipMembers) throws(WeightsError) {
    self.members = members
    let pickle = members.paths.first { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }!
    prefix = String(pickle.dropLast("data.pkl".count))
    if members.paths.contains(prefix + "byteorder") {
      bigEndian = String(decoding: try members.read(prefix + "byteorder", limit: 16), as: UTF8.self) == "big"
    } else {
      bigEndian = false
    }
    let bytes = [UInt8](try members.read(pickle, limit: WeightsLimits.maximumHeaderBytes))
    let graph: PickleGraph
    do {
      graph = try Unpickler.load(bytes).graph
    } catch {
      throw WeightsError(file: members.file, reason: error.reason)
    }
    let found = try StateDict.tensors(in: graph, file: members.file)
    tensors = found.map(StateDict.info)
    views = Dictionary(found, uniquingKeysWith: { first, _ in first })
  }

  func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    guard let view = views[name] else { throw WeightsError(file: file, reason: "has no tensor '\(name)'") }
    let element = try StateDict.floatElement(of: view, name: name, file: file)
    let path = prefix + "data/" + view.storage.key
    guard let needed = Checked.product(view.storage.count, element.size) else {
      throw WeightsError(file: file, reason: "tensor '\(name)': its storage claims an impossible size")
    }
    let storage = try members.read(path, limit: needed)
    return try StateDict.gather(view, from: storage, element: element, bigEndian: bigEndian, name: name, file: file)
  }
}

/// PyTorch's legacy format (before 1.6, and `_use_new_zipfile_serialization=False`): five pickles (a magic
/// number, the protocol version 1001, the system's byte order and type sizes, the object, the list of
/// storage keys), then each storage in that order as an 8-byte element count and its raw numbers.
struct TorchLegacyReader: WeightsReader {
  static let magicNumber: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]  // 0x1950a86a20f9469cfc6c

  let file: String
  var format: WeightsFormat { .pytorchLegacy }
  let tensors: [TensorInfo]
  private let views: [String: TorchTensor]
  private let bytes: Data
  private let bigEndian: Bool
  /// Where each storage's numbers start in the file, and how many elements it holds.
  private let records: [String: (offset: Int, count: Int)]

  init(file: String, bytes: Data) throws(WeightsError) {
    self.file = file
    self.bytes = bytes
    let all = [UInt8](bytes)
    func fail(_ reason: String) -> WeightsError { WeightsError(file: file, reason: reason) }
    do throws(Unpickler.Failure) {
      var (graph, end, _) = try Unpickler.load(all)
      guard case .bigInt(let magic) = graph.root, magic == Self.magicNumber else {
        throw Unpickler.Failure(reason: "is a pickle, but not a PyTorch file (no magic number)")
      }
      (graph, end, _) = try Unpickler.load(all, at: end)
      guard case .int(1001) = graph.root else { throw Unpickler.Failure(reason: "is a PyTorch file of an unknown protocol version") }
      (graph, end, _) = try Unpickler.load(all, at: end)
      var little = true
      if case .dict(let info) = graph.root, case .bool(let flag)? = graph.member("little_endian", of: info) { little = flag }
      bigEndian = !little
      let main = try Unpickler.load(all, at: end)
      let found: [(String, TorchTensor)]
      do {
        found = try StateDict.tensors(in: main.graph, file: file)
      } catch {
        throw Unpickler.Failure(reason: error.reason)
      }
      tensors = found.map(StateDict.info)
      views = Dictionary(found, uniquingKeysWith: { first, _ in first })
      let (keyGraph, dataStart, _) = try Unpickler.load(all, at: main.end)
      guard case .list(let keyList) = keyGraph.root else { throw Unpickler.Failure(reason: "the list of storage keys is missing") }
      var offset = dataStart
      var records: [String: (Int, Int)] = [:]
      for item in keyGraph.lists[keyList] {
        guard case .string(let key) = item else { throw Unpickler.Failure(reason: "a storage key is not text") }
        guard offset + 8 <= all.count else { throw Unpickler.Failure(reason: "the file ends before storage '\(key)' (truncated?)") }
        let count = all[offset..<offset + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard let storage = main.storages[key] else { throw Unpickler.Failure(reason: "storage '\(key)' is listed but never used") }
        guard count <= UInt64(Int.max), case let size = StateDict.elementSize(storage.typeName),
          let length = Checked.product(Int(count), size), let next = Checked.sum(offset, 8, length), next <= all.count
        else { throw Unpickler.Failure(reason: "storage '\(key)' claims more bytes than the file holds (truncated?)") }
        records[key] = (offset + 8, Int(count))
        offset = next
      }
      self.records = records
    } catch {
      throw fail(error.reason)
    }
  }

  func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    guard let view = views[name] else { throw WeightsError(file: file, reason: "has no tensor '\(name)'") }
    let element = try StateDict.floatElement(of: view, name: name, file: file)
    guard let record = records[view.storage.key] else {
      throw WeightsError(file: file, reason: "tensor '\(name)': storage '\(view.storage.key)' is not in the file")
    }
    let storage = bytes.subdata(in: bytes.startIndex + record.offset..<bytes.startIndex + record.offset + record.count * element.size)
    var counted = view
    counted.storage = TorchStorage(key: view.storage.key, typeName: view.storage.typeName, element: element, count: record.count)
    return try StateDict.gather(counted, from: storage, element: element, bigEndian: bigEndian, name: name, file: file)
  }
}

/// What both PyTorch formats share: the tensors of an unpickled state dict, and reading one out of its storage.
enum StateDict {
  /// Every tensor in `value`, named by its key; dicts nested in dicts (`{"state_dict": {...}}`,
  /// `{"model": {...}}`) join their keys with dots. A lone tensor is named "tensor".
  static func tensors(in graph: PickleGraph, file: String) throws(WeightsError) -> [(String, TorchTensor)] {
    var found: [(String, TorchTensor)] = []
    // A dict may contain itself, several times: a budget of members visited keeps the walk finite.
    var visited = 0
    func walk(_ value: PickleValue, _ prefix: String, _ depth: Int) throws(WeightsError) {
      visited += 1
      if depth > WeightsLimits.maximumNesting || visited > WeightsLimits.maximumPickleValues {
        throw WeightsError(file: file, reason: "the pickle nests dicts too deeply (or in a loop)")
      }
      switch value {
      case .tensor(let tensor): found.append((prefix.isEmpty ? "tensor" : prefix, tensor))
      case .dict(let dict):
        for member in graph.dicts[dict] {
          guard case .string(let key) = member.key else { continue }
          try walk(member.value, prefix.isEmpty ? key : prefix + "." + key, depth + 1)
        }
      default: break  // an epoch number, optimizer settings...: not weights
      }
    }
    try walk(graph.root, "", 0)
    if found.isEmpty { throw WeightsError(file: file, reason: "holds no tensors (is it a state dict?)") }
    return found
  }

  static func info(_ item: (String, TorchTensor)) -> TensorInfo {
    TensorInfo(name: item.0, dtype: dtype(item.1.storage.typeName), shape: item.1.shape)
  }

  /// A storage type as PyTorch names the tensor's dtype (`torch.FloatStorage` holds `float32`); an
  /// unknown one as stored.
  static func dtype(_ typeName: String) -> String {
    let names = ["Double": "float64", "Float": "float32", "Half": "float16", "BFloat16": "bfloat16", "Long": "int64", "Int": "int32",
                 "Short": "int16", "Char": "int8", "Byte": "uint8", "Bool": "bool", "ComplexFloat": "complex64", "ComplexDouble": "complex128",
                 "QInt8": "qint8", "QUInt8": "quint8", "QInt32": "qint32"]
    for (prefix, name) in names where typeName == "torch.\(prefix)Storage" { return name }
    return typeName
  }

  /// Bytes per element of a storage type, for skipping storages that are not read.
  static func elementSize(_ typeName: String) -> Int {
    let sizes = ["Double": 8, "Long": 8, "ComplexFloat": 8, "ComplexDouble": 16, "Float": 4, "Int": 4, "Half": 2,
                 "BFloat16": 2, "Short": 2, "Char": 1, "Byte": 1, "Bool": 1, "QInt8": 1, "QUInt8": 1, "QInt32": 4]
    for (prefix, size) in sizes where typeName == "torch.\(prefix)Storage" { return size }
    return 1
  }

  static func floatElement(of view: TorchTensor, name: String, file: String) throws(WeightsError) -> ElementType {
    guard let element = view.storage.element else {
      throw WeightsError(file: file, reason: "tensor '\(name)' is \(dtype(view.storage.typeName)); featuremaps reads float tensors")
    }
    return element
  }

  /// The view's elements, row-major, from a storage's bytes; every index is checked to lie in the storage.
  static func gather(_ view: TorchTensor, from storage: Data, element: ElementType, bigEndian: Bool, name: String,
                     file: String) throws(WeightsError) -> WeightsTensor {
    let count = try checkedElementCount(view.shape, of: name, in: file)
    var last = view.offset
    for (side, step) in zip(view.shape, view.strides) where side > 0 {
      guard let reach = Checked.product(side - 1, step), let sum = Checked.sum(last, reach) else { last = .max; break }
      last = sum
    }
    let available = min(view.storage.count, storage.count / element.size)
    if count > 0 && last >= available {
      throw WeightsError(file: file, reason: "tensor '\(name)' of shape \(shapeText(view.shape)) reaches past its storage of \(available) elements")
    }
    let all = storage.withUnsafeBytes { element.decode($0, offset: 0, count: available, bigEndian: bigEndian) }
    var values = [Float](repeating: 0, count: count)
    var index = [Int](repeating: 0, count: view.shape.count)
    for position in 0..<count {
      var source = view.offset
      for axis in 0..<index.count { source += index[axis] * view.strides[axis] }
      values[position] = all[source]
      var axis = index.count - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < view.shape[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
    return WeightsTensor(name: name, shape: view.shape, values: values)
  }
}
