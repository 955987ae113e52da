/// A zip archive of stored (uncompressed) members, with their CRC-32s: enough to write PyTorch's zip files
/// from a fuzz target.
public enum ZipWriter {
  public static func stored(_ members: [(path: String, data: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    func le(_ value: Int, _ count: Int, into bytes: inout [UInt8]) {
      for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) }
    }
    for member in members {
      let name = Array(member.path.utf8)
      let crc = Int(crc32(member.data))
      let offset = out.count
      le(0x0403_4b50, 4, into: &out)
      le(20, 2, into: &out); le(0, 2, into: &out); le(0, 2, into: &out)  // version, flags, method: stored
      le(0, 4, into: &out)  // time and date
      le(crc, 4, into: &out); le(member.data.count, 4, into: &out); le(member.data.count, 4, into: &out)
      le(name.count, 2, into: &out); le(0, 2, into: &out)
      out += name + member.data
      le(0x0201_4b50, 4, into: &central)
      le(20, 2, into: &central); le(20, 2, into: &central); le(0, 2, into: &central); le(0, 2, into: &central)
      le(0, 4, into: &central)
      le(crc, 4, into: &central); le(member.data.count, 4, into: &central); le(member.data.count, 4, into: &central)
      le(name.count, 2, into: &central); le(0, 2, into: &central); le(0, 2, into: &central)  // name, extra, comment
      le(0, 2, into: &central); le(0, 2, into: &central); le(0, 4, into: &central)  // disk, attributes
      le(offset, 4, into: &central)
      central += name
    }
    let start = out.count
    out += central
    le(0x0605_4b50, 4, into: &out)
    le(0, 2, into: &out); le(0, 2, into: &out)
    le(members.count, 2, into: &out); le(members.count, 2, into: &out)
    le(central.count, 4, into: &out); le(start, 4, into: &out); le(0, 2, into: &out)
    return out
  }

  /// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), bit by bit: the archives are small.
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
}
