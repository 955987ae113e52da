import XCTest

@testable import Normalization

final class NormalizationTests: XCTestCase {
  func stats(_ low: Double, _ high: Double) -> MapStatistics {
    MapStatistics(minimum: low, maximum: high, mean: 0, standardDeviation: 0, count: 1)
  }

  func testAutoPutsZeroAtMiddleGrayForSignedMapsAndAtBlackOtherwise() {
    let signed = GrayMapping.choose(.auto, stats: stats(-2, 4), percentiles: nil, maximumGray: 255)
    XCTAssertEqual(signed.gray(0), 128)  // 127.5 rounded
    XCTAssertEqual(signed.gray(4), 255)
    XCTAssertEqual(signed.gray(-4), 0)  // the largest magnitude is black or white
    XCTAssertEqual(signed.gray(-2), 64)
    let positive = GrayMapping.choose(.auto, stats: stats(1, 5), percentiles: nil, maximumGray: 255)
    XCTAssertEqual([positive.gray(0), positive.gray(5), positive.gray(2.5)], [0, 255, 128])
  }

  /// A map whose range a few pixels set (a spike of 100 among values within +-1) shows nearly one gray under
  /// auto; the same values without the spike, or spread evenly, do not; abs and constant maps never say so.
  func testNearlyFlatMapsAreThoseWhoseRangeAFewValuesSet() {
    func check(_ values: [Float], _ mode: NormalizeMode = .auto) -> Bool {
      let stats = values.withUnsafeBufferPointer { MapStatistics.of($0, width: values.count, rows: 0..<1, columns: 0..<values.count) }
      return GrayMapping.choose(mode, stats: stats, percentiles: nil, maximumGray: 255).isNearlyFlat(stats)
    }
    let calm = (0..<10_000).map { Float(sin(Double($0))) }
    XCTAssertTrue(check(calm + [100]), "a spike sets the range")
    XCTAssertTrue(check(calm.map { abs($0) } + [100]), "non-negative: near black")
    XCTAssertFalse(check(calm), "the same values alone fill the range")
    XCTAssertFalse(check((0..<10_000).map { Float($0) / 10_000 }), "spread evenly")
    XCTAssertFalse(check(calm + [100], .abs))
    XCTAssertFalse(check([Float](repeating: 2, count: 100)), "constant: marked as such elsewhere")
  }

  func testOtherModes() {
    let minmax = GrayMapping.choose(.minmax, stats: stats(-2, 4), percentiles: nil, maximumGray: 255)
    XCTAssertEqual([minmax.gray(-2), minmax.gray(4), minmax.gray(1)], [0, 255, 128])
    let magnitude = GrayMapping.choose(.abs, stats: stats(-8, 4), percentiles: nil, maximumGray: 255)
    XCTAssertEqual([magnitude.gray(-8), magnitude.gray(8), magnitude.gray(0), magnitude.gray(-4)], [255, 255, 0, 128])
    let fixed = GrayMapping.choose(.range(low: 0, high: 1), stats: stats(-5, 5), percentiles: nil, maximumGray: 65535)
    XCTAssertEqual([fixed.gray(-1), fixed.gray(0.5), fixed.gray(3)], [0, 32768, 65535])  // clipped
    let robust = GrayMapping.choose(.percentile(1), stats: stats(-100, 100), percentiles: (-1, 1), maximumGray: 255)
    XCTAssertEqual([robust.gray(-100), robust.gray(0), robust.gray(100)], [0, 128, 255])
    let constant = GrayMapping.choose(.auto, stats: stats(0, 0), percentiles: nil, maximumGray: 255)
    XCTAssertEqual(constant.gray(0), 0)
  }

  /// The vectorized loop the writers use gives the documented `gray` of each value (rounding ties aside).
  func testQuantizeGivesTheGrayOfEachValue() {
    let values = (0..<5000).map { Float(sin(Double($0) * 12.9898) * 12) } + [.nan, .infinity, -.infinity, 0]
    let mappings = [
      GrayMapping.choose(.auto, stats: stats(-10, 7), percentiles: nil, maximumGray: 255),
      GrayMapping.choose(.auto, stats: stats(-10, 7), percentiles: nil, maximumGray: 65535),
      GrayMapping.choose(.abs, stats: stats(-10, 7), percentiles: nil, maximumGray: 255),
      GrayMapping.choose(.range(low: -1, high: 3), stats: stats(-10, 7), percentiles: nil, maximumGray: 65535),
    ]
    for mapping in mappings {
      var grays8 = [UInt8](repeating: 0, count: values.count)
      var grays16 = [UInt16](repeating: 0, count: values.count)
      values.withUnsafeBufferPointer { v in
        if mapping.maximumGray == 255 {
          mapping.quantize(v.baseAddress!, count: v.count, into: &grays8)
        } else {
          mapping.quantize(v.baseAddress!, count: v.count, into: &grays16)
        }
      }
      for (i, value) in values.enumerated() {
        let got = mapping.maximumGray == 255 ? Int(grays8[i]) : Int(grays16[i])
        let exact = (Double(mapping.ofMagnitude ? abs(value) : value) - mapping.offset) / mapping.scale
        // Float arithmetic may round the other way within about 4e-7 of the gray range of a tie.
        let window = Double(mapping.maximumGray) * 4e-7 + 1e-4
        if value.isFinite && abs(exact - exact.rounded(.down) - 0.5) < window { continue }
        XCTAssertEqual(got, mapping.gray(value), "\(mapping.modeName) \(mapping.maximumGray): value \(value)")
      }
    }
  }

  func testArgumentsParse() {
    XCTAssertEqual(NormalizeMode(argument: "range:-1,2.5"), .range(low: -1, high: 2.5))
    XCTAssertEqual(NormalizeMode(argument: "percentile:0.5"), .percentile(0.5))
    for bad in ["range:2,1", "range:1", "percentile:50", "percentile:x", "linear"] { XCTAssertNil(NormalizeMode(argument: bad), bad) }
  }

  func testHistogramPercentiles() {
    let values = (0..<1000).map { Float($0) }
    var histogram = ValueHistogram(low: 0, high: 999)
    values.withUnsafeBufferPointer { histogram.add($0, width: 1000, rows: 0..<1, columns: 0..<1000) }
    // numpy.percentile(numpy.arange(1000), [1, 99], method="inverted_cdf") gives 9 and 989.
    XCTAssertEqual(histogram.percentile(1), 9, accuracy: 999.0 / 65536)
    XCTAssertEqual(histogram.percentile(99), 989, accuracy: 999.0 / 65536)
  }

  func testStatistics() {
    let values: [Float] = [1, 2, 3, 4, 100, 6, 7, 8, 9]
    let all = values.withUnsafeBufferPointer { MapStatistics.of($0, width: 3, rows: 0..<3, columns: 0..<3) }
    XCTAssertEqual([all.minimum, all.maximum], [1, 100])
    XCTAssertEqual(all.mean, 140.0 / 9, accuracy: 1e-9)
    let corner = values.withUnsafeBufferPointer { MapStatistics.of($0, width: 3, rows: 1..<3, columns: 0..<1) }
    XCTAssertEqual([corner.minimum, corner.maximum, corner.mean, corner.standardDeviation], [4, 7, 5.5, 1.5])
    let both = MapStatistics.combined([all, corner])
    XCTAssertEqual(both.count, 11)
    XCTAssertEqual(both.mean, (140.0 + 11) / 11, accuracy: 1e-9)
  }
}
