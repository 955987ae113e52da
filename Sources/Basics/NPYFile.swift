/// NumPy's `.npy` format, version 1.0, for one little-endian Float32 map of shape (height, width).
public enum NPYFile {
  /// The header: magic, version, and a dict padded with spaces so the data starts at a multiple of 64.
  public static func header(height: Int, width: Int) -> [UInt8] {
    var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(height), \(width)), }"
    let unpadded = 10 + dict.utf8.count + 1
    dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    let length = dict.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
  }

  /// `values` as the file stores them, little-endian, into `out` (4 bytes each).
  public static func data(_ values: UnsafeBufferPointer<Float>, into out: UnsafeMutableRawPointer) {
    for (i, value) in values.enumerated() { out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
  }

  /// The whole file for `values` (row-major, height * width of them).
  public static func bytes(_ values: UnsafeBufferPointer<Float>, height: Int, width: Int) -> [UInt8] {
    precondition(values.count == height * width)
    var bytes = header(height: height, width: width)
    bytes.reserveCapacity(bytes.count + values.count * 4)
    for value in values {
      let bits = value.bitPattern.littleEndian
      withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }
}
