import Basics
import CLibDeflate
import Foundation
import TestSupport
import XCTest

@testable import ImageCodecs

/// The run-length deflate encoder behind `--png-level` 0 and 1 (rle_deflate.c). Every file is read back
/// by two inflaters it shares no code with: zlib inside libpng (the samples), and libdeflate (the zlib
/// stream of the IDAT chunks, its checksum included, against rows filtered here independently).
final class RunLengthDeflateTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("fm-rle-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

  /// Runs of every length from 1 to 300 (so every length code, 258 and runs longer than one match),
  /// each of another byte, in rows that do not line up with them.
  func testEveryRunLengthReadsBack() throws {
    var values: [Int] = []
    for length in 1...300 { values += Array(repeating: (length * 37) % 256, count: length) }
    let width = 997
    values += Array(repeating: 5, count: (width - values.count % width) % width)
    for filter in PNGCompression.Filter.allCases {
      let size = try roundTrip(values, width: width, height: values.count / width, bitDepth: 8, PNGCompression(level: 1, filter: filter))
      XCTAssertLessThan(size, values.count / 10, "runs make a small file")
    }
  }

  func testConstantNoisyTinyAndWideMaps() throws {
    var random = SeededRandom(seed: 7)
    let noise = (0..<(640 * 480)).map { _ in Int.random(in: 0...255, using: &random) }
    let wideNoise = (0..<(70_000 * 2)).map { _ in Int.random(in: 0...255, using: &random) }
    let wideGradient = (0..<(70_000 * 3)).map { ($0 % 70_000) / 300 }
    let fast = PNGCompression.fast
    let constant = try roundTrip(Array(repeating: 200, count: 640 * 480), width: 640, height: 480, bitDepth: 8, fast)
    XCTAssertLessThan(constant, 3_000, "a constant map is a few runs per block")
    // Noise does not compress: blocks are stored, a few bytes per 64 KiB over the filtered rows.
    let stored = try roundTrip(noise, width: 640, height: 480, bitDepth: 8, PNGCompression(level: 1, filter: .none))
    XCTAssertLessThanOrEqual(stored, 481 * 640 + 5 * (481 * 640 / 65_535 + 1) + 6)
    // Rows longer than a stored block (65,535 bytes) and than a band, in 8 and 16 bits.
    _ = try roundTrip(wideNoise, width: 70_000, height: 2, bitDepth: 8, fast)
    _ = try roundTrip(wideGradient, width: 70_000, height: 3, bitDepth: 8, fast)
    _ = try roundTrip(wideGradient.map { $0 * 257 }, width: 70_000, height: 3, bitDepth: 16, fast)
    for level in [0, 1] {
      let compression = PNGCompression(level: level, filter: .up)
      _ = try roundTrip([42], width: 1, height: 1, bitDepth: 8, compression)
      _ = try roundTrip([65_535], width: 1, height: 1, bitDepth: 16, compression)
      _ = try roundTrip((0..<5_000).map { $0 / 100 }, width: 1, height: 5_000, bitDepth: 8, compression)
    }
  }

  /// Byte k appearing fib(k) times wants a 22-bit Huffman code: the encoder must limit it to deflate's 15.
  func testSkewedCountsNeedingLongCodesReadBack() throws {
    var fibonacci = [1, 1]
    while fibonacci.count < 23 { fibonacci.append(fibonacci[fibonacci.count - 1] + fibonacci[fibonacci.count - 2]) }
    var values = fibonacci.enumerated().flatMap { symbol, count in Array(repeating: symbol * 11, count: count) }
    var random = SeededRandom(seed: 11)
    values.shuffle(using: &random)
    values += Array(repeating: 0, count: (1_000 - values.count % 1_000) % 1_000)
    _ = try roundTrip(values, width: 1_000, height: values.count / 1_000, bitDepth: 8, PNGCompression(level: 1, filter: .none))
  }

  /// Seeded maps of every kind of content (runs, noise, ramps, and mixtures), sizes, depths, filters
  /// and both streamed levels.
  func testSeededMapsReadBack() throws {
    var random = SeededRandom(seed: 2026)
    for index in 0..<200 {
      let width = Int.random(in: 1...300, using: &random)
      let height = Int.random(in: 1...60, using: &random)
      let bitDepth = Bool.random(using: &random) ? 8 : 16
      let top = (1 << bitDepth) - 1
      let kind = index % 4
      var values: [Int] = []
      var current = Int.random(in: 0...top, using: &random)
      for i in 0..<(width * height) {
        switch kind {
        case 0: if Int.random(in: 0..<20, using: &random) == 0 { current = Int.random(in: 0...top, using: &random) }
        case 1: current = Int.random(in: 0...top, using: &random)
        case 2: current = (i % width) * top / max(1, width - 1)
        default: if Bool.random(using: &random) { current = min(top, max(0, current + Int.random(in: -2...2, using: &random))) }
        }
        values.append(current)
      }
      let compression = PNGCompression(level: Int.random(in: 0...1, using: &random), filter: PNGCompression.Filter.allCases.randomElement(using: &random)!)
      _ = try roundTrip(values, width: width, height: height, bitDepth: bitDepth, compression, label: "case \(index)")
    }
  }

  // MARK: - Helpers

  /// Writes the map, reads it back both ways, and returns the size of its zlib stream.
  private func roundTrip(_ values: [Int], width: Int, height: Int, bitDepth: Int, _ compression: PNGCompression,
                         label: String = "") throws -> Int {
    let what = "\(label) \(width)x\(height) \(bitDepth)-bit level \(compression.level) \(compression.filter)"
    let path = folder.appendingPathComponent("map.png").path
    if bitDepth == 8 {
      try values.map { UInt8($0) }.withUnsafeBufferPointer { (samples) throws(OutputError) in
        try GrayPNG.write(samples, width: width, height: height, to: path, compression: compression)
      }
    } else {
      try values.map { UInt16($0) }.withUnsafeBufferPointer { (samples) throws(OutputError) in
        try GrayPNG.write(samples, width: width, height: height, to: path, compression: compression)
      }
    }
    let back = try PictureDecoder().decode(path: path)
    XCTAssertEqual([back.width, back.height, back.bitDepth], [width, height, bitDepth], what)
    XCTAssertEqual(back.interleavedIntegers(), values, "zlib (libpng) reads other samples: \(what)")

    let stream = try idatStream(path: path)
    let expected = Self.filteredRows(values, width: width, height: height, bitDepth: bitDepth, filter: compression.filter)
    var inflated = [UInt8](repeating: 0, count: expected.count)
    var produced = 0
    let result = stream.withUnsafeBytes { input in
      inflated.withUnsafeMutableBytes { output in
        let inflater = libdeflate_alloc_decompressor()!
        defer { libdeflate_free_decompressor(inflater) }
        return libdeflate_zlib_decompress(inflater, input.baseAddress, input.count, output.baseAddress, output.count, &produced)
      }
    }
    XCTAssertEqual(result, LIBDEFLATE_SUCCESS, "libdeflate refuses the stream: \(what)")
    XCTAssertEqual(produced, expected.count, what)
    XCTAssertTrue(inflated == expected, "libdeflate inflates other rows: \(what)")
    return stream.count
  }

  /// The IDAT chunks' data, joined: the zlib stream.
  private func idatStream(path: String) throws -> [UInt8] {
    let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var offset = 8
    var stream: [UInt8] = []
    while offset + 12 <= file.count {
      let length = file[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
      let type = String(decoding: file[(offset + 4)..<(offset + 8)], as: UTF8.self)
      if type == "IDAT" { stream += file[(offset + 8)..<(offset + 8 + length)] }
      offset += 12 + length
    }
    return stream
  }

  /// PNG's filtered rows (the filter type byte, then big-endian samples minus, for Up, those above).
  static func filteredRows(_ values: [Int], width: Int, height: Int, bitDepth: Int, filter: PNGCompression.Filter) -> [UInt8] {
    let bytes: [UInt8] = bitDepth == 8 ? values.map { UInt8($0) } : values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    let rowBytes = bytes.count / height
    var out: [UInt8] = []
    for y in 0..<height {
      out.append(filter == .up ? 2 : 0)
      for i in 0..<rowBytes {
        let above = filter == .up && y > 0 ? bytes[(y - 1) * rowBytes + i] : 0
        out.append(bytes[y * rowBytes + i] &- above)
      }
    }
    return out
  }
}
