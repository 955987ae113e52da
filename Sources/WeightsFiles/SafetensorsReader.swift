import Basics
import Foundation

/// safetensors: an 8-byte little-endian header length N, N bytes of JSON (for each tensor its dtype, shape
/// and `data_offsets` [begin, end) into the data that follows; `__metadata__` strings), then the data.
/// F32, F16, BF16 and F64 are read; other dtypes are listed.
struct SafetensorsReader: WeightsReader {
  let file: String
  var format: WeightsFormat { .safetensors }
  let tensors: [TensorInfo]
  private let bytes: Data
  private let entries: [String: (dtype: String, shape: [Int], begin: Int, end: Int)]
  private let dataStart: Int

  /// Whether 16 first bytes look like a safetensors header: a plausible length followed by '{'.
  static func looksLikeOne(_ head: [UInt8], size: Int) -> Bool {
    head.count >= 9 && head[8] == UInt8(ascii: "{")
  }

  init(file: String, bytes: Data) throws(WeightsError) {
    self.file = file
    self.bytes = bytes
    func fail(_ reason: String) -> WeightsError { WeightsError(file: file, reason: reason) }
    let length = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    guard length <= UInt64(bytes.count - 8) else {
      throw fail("the safetensors header claims \(length) bytes, more than the file's \(bytes.count - 8)")
    }
    guard length <= UInt64(WeightsLimits.maximumHeaderBytes) else {
      throw fail("the safetensors header claims \(length) bytes, over the limit of \(WeightsLimits.maximumHeaderBytes)")
    }
    dataStart = 8 + Int(length)
    let json: JSONValue
    do {
      json = try StrictJSONParser.parse([UInt8](bytes[bytes.startIndex + 8..<bytes.startIndex + dataStart]))
    } catch {
      throw fail("the safetensors header is not valid JSON: \(error.description)")
    }
    guard case .object(let members) = json else { throw fail("the safetensors header is not a JSON object") }
    let dataLength = bytes.count - dataStart
    var entries: [String: (String, [Int], Int, Int)] = [:]
    var tensors: [TensorInfo] = []
    for (name, value) in members where name != "__metadata__" {
      guard case .string(let dtype)? = value["dtype"], case .array(let dims)? = value["shape"],
        case .array(let offsets)? = value["data_offsets"], offsets.count == 2
      else { throw fail("tensor '\(name)': the header lacks its dtype, shape or data_offsets") }
      let shape = try dims.map { (dim) throws(WeightsError) -> Int in try Self.wholeNumber(dim, name: name, file: file) }
      let begin = try Self.wholeNumber(offsets[0], name: name, file: file)
      let end = try Self.wholeNumber(offsets[1], name: name, file: file)
      guard begin <= end, end <= dataLength else {
        throw fail("tensor '\(name)': data_offsets [\(begin), \(end)] lie outside the \(dataLength) bytes of data")
      }
      if let element = Self.element(dtype) {
        guard let count = Checked.product(of: shape), let size = Checked.product(count, element.size), size == end - begin else {
          throw fail("tensor '\(name)': shape \(shapeText(shape)) of \(dtype) does not take the \(end - begin) bytes its offsets give")
        }
      }
      entries[name] = (dtype, shape, begin, end)
      tensors.append(TensorInfo(name: name, dtype: dtype, shape: shape))
    }
    self.entries = entries
    self.tensors = tensors
  }

  static func element(_ dtype: String) -> ElementType? {
    ["F32": .float32, "F16": .float16, "BF16": .bfloat16, "F64": .float64][dtype]
  }

  static func wholeNumber(_ value: JSONValue, name: String, file: String) throws(WeightsError) -> Int {
    guard case .number(let n) = value, n >= 0, n == n.rounded(), n < 9e15 else {
      throw WeightsError(file: file, reason: "tensor '\(name)': the header holds \(value.compact) where a whole number belongs")
    }
    return Int(n)
  }

  func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    guard let entry = entries[name] else { throw WeightsError(file: file, reason: "has no tensor '\(name)'") }
    guard let element = Self.element(entry.dtype) else {
      throw WeightsError(file: file, reason: "tensor '\(name)' is \(entry.dtype); featuremaps reads F32, F16, BF16 and F64")
    }
    let count = try checkedElementCount(entry.shape, of: name, in: file)
    let values = bytes.withUnsafeBytes { element.decode($0, offset: dataStart + entry.begin, count: count, bigEndian: false) }
    return WeightsTensor(name: name, shape: entry.shape, values: values)
  }
}
