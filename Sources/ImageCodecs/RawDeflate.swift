import CLibDeflate

/// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper) through libdeflate: what a browser's
/// `DecompressionStream("deflate-raw")` reads, for the numbers the report's page embeds.
public enum RawDeflate {
  /// `bytes` compressed at `level` (1 to 12; 12 is libdeflate's smallest).
  public static func compress(_ bytes: [UInt8], level: Int32 = 12) -> [UInt8] {
    guard let compressor = libdeflate_alloc_compressor(level) else { preconditionFailure("libdeflate could not allocate a compressor") }
    defer { libdeflate_free_compressor(compressor) }
    let bound = libdeflate_deflate_compress_bound(compressor, bytes.count)
    var out = [UInt8](repeating: 0, count: bound)
    let size = bytes.withUnsafeBytes { input in
      out.withUnsafeMutableBytes { libdeflate_deflate_compress(compressor, input.baseAddress, bytes.count, $0.baseAddress, bound) }
    }
    precondition(size > 0, "the bound libdeflate gives always fits")
    return Array(out[..<size])
  }

  /// The bytes `compress` was given, when they are `count` bytes long; nil for data that is not raw DEFLATE of that size.
  public static func decompress(_ bytes: [UInt8], count: Int) -> [UInt8]? {
    guard let decompressor = libdeflate_alloc_decompressor() else { return nil }
    defer { libdeflate_free_decompressor(decompressor) }
    var out = [UInt8](repeating: 0, count: count)
    var actual = 0
    let result = bytes.withUnsafeBytes { input in
      out.withUnsafeMutableBytes { libdeflate_deflate_decompress(decompressor, input.baseAddress, bytes.count, $0.baseAddress, count, &actual) }
    }
    return result == LIBDEFLATE_SUCCESS && actual == count ? out : nil
  }
}
