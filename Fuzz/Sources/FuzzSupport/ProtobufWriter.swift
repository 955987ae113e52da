/// Protocol buffers' wire format, enough to write ONNX models from a fuzz target: varints, length-delimited
/// fields and 32-bit floats.
public struct ProtobufWriter {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  private mutating func varint(_ value: UInt64) {
    var v = value
    while v >= 0x80 {
      bytes.append(UInt8(v & 0x7F) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  private mutating func key(_ field: Int, _ wireType: Int) { varint(UInt64(field << 3 | wireType)) }

  public mutating func int(_ field: Int, _ value: Int) {
    key(field, 0)
    varint(UInt64(bitPattern: Int64(value)))
  }

  public mutating func data(_ field: Int, _ value: [UInt8]) {
    key(field, 2)
    varint(UInt64(value.count))
    bytes += value
  }

  public mutating func string(_ field: Int, _ value: String) { data(field, Array(value.utf8)) }

  public mutating func message(_ field: Int, _ value: ProtobufWriter) { data(field, value.bytes) }

  public mutating func float(_ field: Int, _ value: Float) {
    key(field, 5)
    withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
  }

  /// Packed repeated floats, as `float_data` holds them.
  public mutating func floats(_ field: Int, _ values: [Float]) {
    var packed: [UInt8] = []
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { packed += $0 } }
    data(field, packed)
  }
}
