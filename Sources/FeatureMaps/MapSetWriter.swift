import ConvEngine
import Foundation
import ImageCodecs

/// One written map, as the manifest lists it.
public struct MapEntry: Sendable {
  public var index: Int
  public var layer: Int
  public var filter: String
  /// Relative to the picture's output folder.
  public var file: String
  public var width: Int
  public var height: Int
  public var statistics: MapStatistics
  public var mapping: GrayMapping?
}

/// Writes the maps of one layer output: statistics, gray mappings, then one file per map, in parallel.
struct MapSetWriter {
  let tensor: Tensor
  let names: [String]
  let layerNumber: Int
  let interior: (rows: Range<Int>, columns: Range<Int>)
  let options: RunOptions
  let bankName: String
  /// Index of the first map in the picture's whole list (with --all-layers).
  let firstIndex: Int
  /// `""` or `layerN/`.
  let folder: String

  /// Rows quantized and handed to the PNG writer at a time.
  static let bandRows = 64

  func write(into directory: String) throws(CodecError) -> [MapEntry] {
    let count = tensor.channels
    let useInterior = options.statisticsRegion == .interior && !interior.rows.isEmpty && !interior.columns.isEmpty
    let rows = useInterior ? interior.rows : 0..<tensor.height
    let columns = useInterior ? interior.columns : 0..<tensor.width
    let (width, height, plane) = (tensor.width, tensor.height, tensor.planeSize)

    var statistics = [MapStatistics](repeating: MapStatistics(minimum: 0, maximum: 0, mean: 0, standardDeviation: 0, count: 0), count: count)
    tensor.values.withUnsafeBufferPointer { values in
      statistics.withUnsafeMutableBufferPointer { stats in
        Engine.parallel(count, threads: options.threads) { m in
          let map = UnsafeBufferPointer(rebasing: values[m * plane..<(m + 1) * plane])
          stats[m] = MapStatistics.of(map, width: width, rows: rows, columns: columns)
        }
      }
    }
    let mappings = options.format == .npy ? nil : chooseMappings(statistics, rows: rows, columns: columns)

    let digits = max(2, String(firstIndex + count - 1).count)
    let entries = (0..<count).map { m in
      let index = firstIndex + m
      let number = String(repeating: "0", count: max(0, digits - String(index).count)) + String(index)
      return MapEntry(
        index: index, layer: layerNumber, filter: names[m],
        file: "\(folder)\(number)-\(Self.fileSafe(names[m])).\(options.format.fileExtension)",
        width: width, height: height, statistics: statistics[m], mapping: mappings?[m])
    }

    var failures = [CodecError?](repeating: nil, count: count)
    tensor.values.withUnsafeBufferPointer { values in
      failures.withUnsafeMutableBufferPointer { failures in
        Engine.parallel(count, threads: options.threads) { m in
          let map = UnsafeBufferPointer(rebasing: values[m * plane..<(m + 1) * plane])
          do throws(CodecError) {
            try writeMap(map, entry: entries[m], path: directory + "/" + entries[m].file)
          } catch {
            failures[m] = error
          }
        }
      }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return entries
  }

  // MARK: - Normalization

  func chooseMappings(_ statistics: [MapStatistics], rows: Range<Int>, columns: Range<Int>) -> [GrayMapping] {
    let maximumGray = options.format.maximumGray
    let groups: [[Int]] = options.sharedScale ? [Array(statistics.indices)] : statistics.indices.map { [$0] }
    var mappings = [GrayMapping?](repeating: nil, count: statistics.count)
    for group in groups {
      let stats = MapStatistics.combined(group.map { statistics[$0] })
      var percentiles: (Double, Double)?
      if case .percentile(let p) = options.normalize {
        var histogram = ValueHistogram(low: stats.minimum, high: stats.maximum)
        tensor.values.withUnsafeBufferPointer { values in
          for m in group {
            let map = UnsafeBufferPointer(rebasing: values[m * tensor.planeSize..<(m + 1) * tensor.planeSize])
            histogram.add(map, width: tensor.width, rows: rows, columns: columns)
          }
        }
        percentiles = (histogram.percentile(p), histogram.percentile(100 - p))
      }
      let mapping = GrayMapping.choose(options.normalize, stats: stats, percentiles: percentiles, maximumGray: maximumGray)
      for m in group { mappings[m] = mapping }
    }
    return mappings.map { $0! }
  }

  // MARK: - Files

  func writeMap(_ map: UnsafeBufferPointer<Float>, entry: MapEntry, path: String) throws(CodecError) {
    guard let mapping = entry.mapping else {
      return try AtomicFile.write(NPYFile.bytes(map, height: entry.height, width: entry.width), to: path)
    }
    let text = [
      (key: "Title", value: Self.latin1(entry.filter)),
      (key: "Software", value: "featuremaps"),
      (key: "featuremaps:bank", value: Self.latin1(bankName)),
      (key: "featuremaps:filter", value: Self.latin1(entry.filter)),
      (key: "featuremaps:mapping", value: Self.mappingText(mapping, scope: options.sharedScale ? "shared" : "per-map")),
    ]
    let bitDepth = options.format == .png16 ? 16 : 8
    let writer = try GrayPNGWriter(path: path, width: entry.width, height: entry.height, bitDepth: bitDepth,
                                   compression: options.compression, text: text)
    let (width, height) = (entry.width, entry.height)
    if bitDepth == 8 {
      var band = [UInt8](repeating: 0, count: Self.bandRows * width)
      for start in stride(from: 0, to: height, by: Self.bandRows) {
        let rowCount = min(Self.bandRows, height - start)
        for i in 0..<(rowCount * width) { band[i] = UInt8(mapping.gray(map[start * width + i])) }
        try band.withUnsafeBufferPointer { (rows) throws(CodecError) in
          try writer.write(rows: UnsafeBufferPointer(rebasing: rows[0..<(rowCount * width)]))
        }
      }
    } else {
      var band = [UInt16](repeating: 0, count: Self.bandRows * width)
      for start in stride(from: 0, to: height, by: Self.bandRows) {
        let rowCount = min(Self.bandRows, height - start)
        for i in 0..<(rowCount * width) { band[i] = UInt16(mapping.gray(map[start * width + i])) }
        try band.withUnsafeBufferPointer { (rows) throws(CodecError) in
          try writer.write(rows: UnsafeBufferPointer(rebasing: rows[0..<(rowCount * width)]))
        }
      }
    }
    try writer.finish()
  }

  /// "value = OFFSET + SCALE * gray (normalize MODE, scale SCOPE)", as in the manifest.
  static func mappingText(_ mapping: GrayMapping, scope: String) -> String {
    let subject = mapping.ofMagnitude ? "|value|" : "value"
    return "\(subject) = \(mapping.offset) + \(mapping.scale) * gray, gray 0..\(mapping.maximumGray) "
      + "(normalize \(mapping.modeName), scale \(scope))"
  }

  /// A filter name made safe as part of a file name: letters, digits, '-', '_' and '.' are kept,
  /// everything else (path separators included) becomes '_'. The map's index in front keeps names
  /// unique and keeps them from being '.', '..' or hidden.
  static func fileSafe(_ name: String) -> String {
    String(name.unicodeScalars.map { scalar -> Character in
      let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
      return allowed ? Character(scalar) : "_"
    })
  }

  /// tEXt chunks hold Latin-1 and the shim passes bytes through: keep printable ASCII, '?' for the rest.
  static func latin1(_ text: String) -> String {
    String(text.unicodeScalars.map { $0.value < 127 && $0.value >= 32 ? Character($0) : "?" })
  }
}
