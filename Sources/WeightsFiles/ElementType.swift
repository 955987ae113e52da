import Basics

/// The floating-point element types weights come in, and their conversion to Float32.
enum ElementType: Sendable, Equatable {
  case float16
  case bfloat16
  case float32
  case float64

  var size: Int {
    switch self {
    case .float16, .bfloat16: return 2
    case .float32: return 4
    case .float64: return 8
    }
  }

  /// `count` elements starting at `bytes[offset]` as Float32, little- or big-endian. The caller has
  /// checked that `offset + count * size <= bytes.count`.
  func decode(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, bigEndian: Bool) -> [Float] {
    var values = [Float](repeating: 0, count: count)
    values.withUnsafeMutableBufferPointer { out in
      for i in 0..<count {
        let at = offset + i * size
        switch self {
        case .float16:
          let raw = bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)
          out[i] = Self.halfToFloat(bigEndian ? raw.byteSwapped : raw)
        case .bfloat16:
          let raw = bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)
          out[i] = Float(bitPattern: UInt32(bigEndian ? raw.byteSwapped : raw) << 16)
        case .float32:
          let raw = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
          out[i] = Float(bitPattern: bigEndian ? raw.byteSwapped : raw)
        case .float64:
          let raw = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
          out[i] = Float(Double(bitPattern: bigEndian ? raw.byteSwapped : raw))
        }
      }
    }
    return values
  }

  /// IEEE 754 binary16 to Float32, exactly (every half is a float). Written out because Swift's Float16
  /// is not available on Intel Macs.
  static func halfToFloat(_ half: UInt16) -> Float {
    let sign: UInt32 = UInt32(half >> 15) << 31
    let exponent = Int(half >> 10) & 0x1F
    let mantissa = UInt32(half & 0x3FF)
    switch exponent {
    case 0:
      let magnitude = Float(mantissa) * 0x1p-24  // zero or subnormal: mantissa x 2^-24
      return sign == 0 ? magnitude : -magnitude
    case 31:
      return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)  // infinity or NaN
    default:
      return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
    }
  }
}

/// Checks a shape stated by a file: non-negative sides, not too many dimensions, and an element count
/// within the limit; returns the count.
func checkedElementCount(_ shape: [Int], of name: String, in file: String) throws(WeightsError) -> Int {
  if shape.count > WeightsLimits.maximumRank {
    throw WeightsError(file: file, reason: "tensor '\(name)' has \(shape.count) dimensions, over the limit of \(WeightsLimits.maximumRank)")
  }
  guard let count = Checked.product(of: shape) else {
    throw WeightsError(file: file, reason: "tensor '\(name)' has the impossible shape \(shapeText(shape))")
  }
  if count > WeightsLimits.maximumElements {
    throw WeightsError(file: file, reason: "tensor '\(name)' has \(count) elements, over the limit of \(WeightsLimits.maximumElements) for weights")
  }
  return count
}

/// A shape as users read it: `[32, 3, 3, 3]`.
public func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
