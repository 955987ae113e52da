import Foundation

/// NumPy's `.npy`: one array. Format versions 1 to 3 (the header length in 2 or 4 bytes, the header dict in
/// ASCII or UTF-8); float16, float32 and float64 in either byte order; C or Fortran order. The array is
/// named after the file (`conv1.npy` holds `conv1`).
struct NPYReader: WeightsReader {
  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

  let file: String
  var format: WeightsFormat { .npy }
  let tensors: [TensorInfo]
  private let array: NPYArray
  private let bytes: Data

  init(file: String, bytes: Data, name: String? = nil) throws(WeightsError) {
    self.file = file
    self.bytes = bytes
    let arrayName = name ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    array = try NPYArray.parse(bytes, name: arrayName, file: file)
    tensors = [TensorInfo(name: arrayName, dtype: array.descr, shape: array.shape)]
  }

  func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    guard name == tensors[0].name else { throw WeightsError(file: file, reason: "has no tensor '\(name)'; it holds '\(tensors[0].name)'") }
    return try array.read(bytes, file: file)
  }
}

/// The header of one `.npy` array and where its data is.
struct NPYArray {
  let name: String
  let descr: String
  let shape: [Int]
  let fortranOrder: Bool
  let dataOffset: Int

  static func parse(_ bytes: Data, name: String, file: String) throws(WeightsError) -> NPYArray {
    func fail(_ reason: String) -> WeightsError { WeightsError(file: file, reason: "\(name): \(reason)") }
    let head = [UInt8](bytes.prefix(12))
    guard head.count >= 10, head.starts(with: NPYReader.magic) else { throw fail("not a NumPy array (no \\x93NUMPY signature)") }
    let major = head[6]
    let headerLength: Int
    let headerStart: Int
    switch major {
    case 1:
      headerLength = Int(head[8]) | Int(head[9]) << 8
      headerStart = 10
    case 2, 3:
      guard head.count >= 12 else { throw fail("the file ends inside its header") }
      headerLength = Int(head[8]) | Int(head[9]) << 8 | Int(head[10]) << 16 | Int(head[11]) << 24
      headerStart = 12
    default:
      throw fail("format version \(major).\(head[7]) is not one featuremaps reads (1, 2 or 3)")
    }
    if headerLength > WeightsLimits.maximumHeaderBytes { throw fail("the header claims \(headerLength) bytes, over the limit") }
    guard headerStart + headerLength <= bytes.count else {
      throw fail("the header claims \(headerLength) bytes, more than the file holds")
    }
    let headerBytes = bytes.subdata(in: bytes.startIndex + headerStart..<bytes.startIndex + headerStart + headerLength)
    guard let text = String(data: headerBytes, encoding: .utf8) else { throw fail("the header is not text") }
    let dict: [String: PythonLiteral]
    do {
      guard case .dict(let members) = try PythonLiteral.parse(text) else { throw fail("the header is not a dict") }
      dict = members
    } catch let error as PythonLiteral.SyntaxError {
      throw fail("the header cannot be read: \(error.reason)")
    } catch {
      throw fail("the header cannot be read")
    }
    guard case .string(let descr)? = dict["descr"] else { throw fail("the header has no 'descr'") }
    guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("the header has no 'fortran_order'") }
    guard case .tuple(let items)? = dict["shape"] else { throw fail("the header has no 'shape'") }
    var shape: [Int] = []
    for item in items {
      guard case .integer(let side) = item else { throw fail("the shape holds something other than whole numbers") }
      shape.append(side)
    }
    return NPYArray(name: name, descr: descr, shape: shape, fortranOrder: fortran, dataOffset: headerStart + headerLength)
  }

  /// The element type and byte order `descr` names, or why it is not read.
  func elementType(file: String) throws(WeightsError) -> (ElementType, bigEndian: Bool) {
    let order = descr.first
    let kind = descr.dropFirst()
    var bigEndian = false
    switch order {
    case ">": bigEndian = true
    case "<", "=": bigEndian = false
    case "|" where kind.hasPrefix("O"):
      throw WeightsError(file: file, reason: "\(name): holds Python objects (dtype '\(descr)', a pickle), which featuremaps does not read")
    default: break
    }
    switch kind {
    case "f2": return (.float16, bigEndian)
    case "f4": return (.float32, bigEndian)
    case "f8": return (.float64, bigEndian)
    default:
      throw WeightsError(file: file, reason: "\(name): dtype '\(descr)' is not a float type featuremaps reads (float16, float32 or float64)")
    }
  }

  func read(_ bytes: Data, file: String) throws(WeightsError) -> WeightsTensor {
    let (type, bigEndian) = try elementType(file: file)
    let count = try checkedElementCount(shape, of: name, in: file)
    guard let size = Checked.product(count, type.size), let end = Checked.sum(dataOffset, size), end <= bytes.count else {
      throw WeightsError(file: file, reason: "\(name): the header claims \(shapeText(shape)) of \(descr), more than the file holds")
    }
    var values = bytes.withUnsafeBytes { type.decode($0, offset: dataOffset, count: count, bigEndian: bigEndian) }
    if fortranOrder && shape.count > 1 { values = Self.cOrder(fromFortran: values, shape: shape) }
    return WeightsTensor(name: name, shape: shape, values: values)
  }

  /// Column-major values of `shape` rearranged row-major.
  static func cOrder(fromFortran values: [Float], shape: [Int]) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    var fortranStrides = [Int](repeating: 1, count: shape.count)
    for axis in 1..<shape.count { fortranStrides[axis] = fortranStrides[axis - 1] * shape[axis - 1] }
    var index = [Int](repeating: 0, count: shape.count)
    for position in 0..<values.count {
      var source = 0
      for axis in 0..<shape.count { source += index[axis] * fortranStrides[axis] }
      out[position] = values[source]
      var axis = shape.count - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
    return out
  }
}

import Basics
