import Foundation

/// Protocol Buffers' wire format, read field by field over a byte range of a (mapped) file: varints,
/// 64-bit and 32-bit values, and length-delimited payloads, which are returned as ranges, not copied.
/// Enough for the few ONNX messages featuremaps reads; every length is checked against its message.
struct ProtobufFields {
  struct Failure: Error { let reason: String }

  struct Field {
    let number: Int
    /// 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit.
    let wireType: Int
    /// The value of a varint, 64-bit or 32-bit field.
    let scalar: UInt64
    /// The payload of a length-delimited field.
    let payload: Range<Int>
  }

  let bytes: Data
  let range: Range<Int>

  /// Calls `body` for each field in order.
  func forEach(_ body: (Field) throws(Failure) -> Void) throws(Failure) {
    var index = range.lowerBound
    while index < range.upperBound {
      let key = try varint(&index)
      let number = Int(truncatingIfNeeded: key >> 3)
      let wireType = Int(key & 7)
      guard number > 0 else { throw Failure(reason: "a protobuf field number 0 (damaged file?)") }
      switch wireType {
      case 0:
        try body(Field(number: number, wireType: 0, scalar: try varint(&index), payload: index..<index))
      case 1:
        try body(Field(number: number, wireType: 1, scalar: try fixed(&index, 8), payload: index..<index))
      case 5:
        try body(Field(number: number, wireType: 5, scalar: try fixed(&index, 4), payload: index..<index))
      case 2:
        let length = try varint(&index)
        guard length <= UInt64(range.upperBound - index) else {
          throw Failure(reason: "a protobuf field claims \(length) bytes, more than its message holds (truncated file?)")
        }
        let end = index + Int(length)
        try body(Field(number: number, wireType: 2, scalar: 0, payload: index..<end))
        index = end
      default:
        throw Failure(reason: "a protobuf field of wire type \(wireType), which ONNX files do not use (damaged file?)")
      }
    }
  }

  private func varint(_ index: inout Int) throws(Failure) -> UInt64 {
    var value: UInt64 = 0
    for shift in stride(from: UInt64(0), to: 70, by: 7) {
      guard index < range.upperBound else { throw Failure(reason: "a protobuf message ends inside a number (truncated file?)") }
      let byte = bytes[bytes.startIndex + index]
      index += 1
      if shift < 64 { value |= UInt64(byte & 0x7F) << shift }
      if byte & 0x80 == 0 { return value }
    }
    throw Failure(reason: "a protobuf number longer than 10 bytes (damaged file?)")
  }

  private func fixed(_ index: inout Int, _ size: Int) throws(Failure) -> UInt64 {
    guard size <= range.upperBound - index else { throw Failure(reason: "a protobuf message ends inside a number (truncated file?)") }
    var value: UInt64 = 0
    for i in 0..<size { value |= UInt64(bytes[bytes.startIndex + index + i]) << (8 * UInt64(i)) }
    index += size
    return value
  }

  /// The fields of a nested message.
  func message(_ field: Field) -> ProtobufFields { ProtobufFields(bytes: bytes, range: field.payload) }

  func string(_ field: Field) -> String {
    String(decoding: bytes[bytes.startIndex + field.payload.lowerBound..<bytes.startIndex + field.payload.upperBound], as: UTF8.self)
  }

  /// A repeated integer field's values: packed (one payload of varints) or one field per value.
  func integers(_ field: Field) throws(Failure) -> [Int64] {
    if field.wireType == 0 { return [Int64(bitPattern: field.scalar)] }
    var values: [Int64] = []
    var index = field.payload.lowerBound
    let packed = ProtobufFields(bytes: bytes, range: field.payload)
    while index < field.payload.upperBound { values.append(Int64(bitPattern: try packed.varint(&index))) }
    return values
  }
}
