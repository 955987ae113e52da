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

/// Writes the maps of one layer: statistics, gray mappings, then one file per map.
///
/// Memory stays bounded whatever the number and size of the maps: pass 1 computes the statistics in
/// bands of rows (a second band pass builds the histograms for `percentile`), and pass 2 computes the
/// maps in groups, turns each group into gray levels band by band and encodes it (maps in parallel).
/// A source that is not in memory is computed once per pass; small outputs are materialized first.
struct MapSetWriter {
  var source: MapSource
  let names: [String]
  let layerNumber: Int
  let interior: (rows: Range<Int>, columns: Range<Int>)
  let options: RunOptions
  let bankName: String
  /// Index of the first map in the picture's whole list (with --all-layers).
  let firstIndex: Int
  /// `""` or `layerN/`.
  let folder: String

  /// Outputs up to this size are computed once and kept; larger ones are computed once per pass.
  static let materializeBytes = 128 << 20
  /// Float values computed at a time in a band.
  static let bandBytes = 64 << 20
  /// Gray (or, for npy, float) maps held at a time before encoding.
  static let groupBytes = 192 << 20

  /// Writes the maps; returns their entries and the seconds spent encoding.
  mutating func write(into directory: String) throws(CodecError) -> (entries: [MapEntry], encodeSeconds: Double) {
    let (count, height, width) = (source.count, source.height, source.width)
    if count * height * width * 4 <= Self.materializeBytes { source = source.materialized() }
    let useInterior = options.statisticsRegion == .interior && !interior.rows.isEmpty && !interior.columns.isEmpty
    let rows = useInterior ? interior.rows : 0..<height
    let columns = useInterior ? interior.columns : 0..<width

    let statistics = gatherStatistics(rows: rows, columns: columns)
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

    var encodeSeconds = 0.0
    let bytesPerValue = options.format == .png ? 1 : options.format == .png16 ? 2 : 4
    let groupSize = max(1, min(count, Self.groupBytes / max(1, height * width * bytesPerValue)))
    for first in stride(from: 0, to: count, by: groupSize) {
      let group = first..<min(count, first + groupSize)
      encodeSeconds += try writeGroup(group, entries: entries, directory: directory)
    }
    return (entries, encodeSeconds)
  }

  // MARK: - Pass 1: statistics

  /// Calls `body(rows, values)` for bands of rows of maps `filters`, values (filters.count, rows.count, width).
  private mutating func forEachBand(of filters: Range<Int>, _ body: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void) {
    let (height, width) = (source.height, source.width)
    let bandRows = max(1, min(height, Self.bandBytes / max(1, filters.count * width * 4)))
    var band = [Float](repeating: 0, count: filters.count * bandRows * width)
    for start in stride(from: 0, to: height, by: bandRows) {
      let rows = start..<min(height, start + bandRows)
      band.withUnsafeMutableBufferPointer { band in
        source.fill(filters: filters, rows: rows, into: band.baseAddress!)
        body(rows, UnsafeMutableBufferPointer(rebasing: band[0..<(filters.count * rows.count * width)]))
      }
    }
  }

  private mutating func gatherStatistics(rows: Range<Int>, columns: Range<Int>) -> [MapStatistics] {
    let count = source.count
    let width = source.width
    var parts = [[MapStatistics]](repeating: [], count: count)
    let threads = options.threads
    forEachBand(of: 0..<count) { bandRows, values in
      guard let local = Self.rows(rows, within: bandRows) else { return }
      var band = [MapStatistics](repeating: MapStatistics.empty, count: count)
      band.withUnsafeMutableBufferPointer { band in
        let out = UnsafeMutableSendableBuffer(band)
        Engine.parallel(count, threads: threads) { m in
          let map = UnsafeBufferPointer(rebasing: values[(m * bandRows.count * width)..<((m + 1) * bandRows.count * width)])
          out.buffer[m] = MapStatistics.of(map, width: width, rows: local, columns: columns)
        }
      }
      for m in 0..<count { parts[m].append(band[m]) }
    }
    return parts.map { MapStatistics.combined($0) }
  }

  private mutating func chooseMappings(_ statistics: [MapStatistics], rows: Range<Int>, columns: Range<Int>) -> [GrayMapping] {
    let maximumGray = options.format.maximumGray
    let groups: [[Int]] = options.sharedScale ? [Array(statistics.indices)] : statistics.indices.map { [$0] }
    let combined = groups.map { group in MapStatistics.combined(group.map { statistics[$0] }) }
    var percentiles = [(Double, Double)?](repeating: nil, count: groups.count)
    if case .percentile(let p) = options.normalize {
      var histograms = combined.map { ValueHistogram(low: $0.minimum, high: $0.maximum) }
      let width = source.width
      let groupOfMap = Dictionary(uniqueKeysWithValues: groups.enumerated().flatMap { g, maps in maps.map { ($0, g) } })
      forEachBand(of: 0..<source.count) { bandRows, values in
        guard let local = Self.rows(rows, within: bandRows) else { return }
        for m in 0..<statistics.count {
          let map = UnsafeBufferPointer(rebasing: values[(m * bandRows.count * width)..<((m + 1) * bandRows.count * width)])
          histograms[groupOfMap[m]!].add(map, width: width, rows: local, columns: columns)
        }
      }
      percentiles = histograms.map { ($0.percentile(p), $0.percentile(100 - p)) }
    }
    var mappings = [GrayMapping?](repeating: nil, count: statistics.count)
    for (g, group) in groups.enumerated() {
      let mapping = GrayMapping.choose(options.normalize, stats: combined[g], percentiles: percentiles[g], maximumGray: maximumGray)
      for m in group { mappings[m] = mapping }
    }
    return mappings.map { $0! }
  }

  /// The rows of `wanted` that lie in `band`, counted from the band's first row; nil when none do.
  static func rows(_ wanted: Range<Int>, within band: Range<Int>) -> Range<Int>? {
    let (lower, upper) = (max(wanted.lowerBound, band.lowerBound), min(wanted.upperBound, band.upperBound))
    return lower < upper ? (lower - band.lowerBound)..<(upper - band.lowerBound) : nil
  }

  // MARK: - Pass 2: gray levels and files

  /// Computes, converts and encodes the maps `group`; returns the seconds spent encoding.
  private mutating func writeGroup(_ group: Range<Int>, entries: [MapEntry], directory: String) throws(CodecError) -> Double {
    let plane = source.height * source.width
    let format = options.format
    var grays8 = [UInt8](repeating: 0, count: format == .png ? group.count * plane : 0)
    var grays16 = [UInt16](repeating: 0, count: format == .png16 ? group.count * plane : 0)
    var floats = [Float](repeating: 0, count: format == .npy ? group.count * plane : 0)
    let threads = options.threads
    let (width, height) = (source.width, source.height)
    forEachBand(of: group) { bandRows, values in
      let offset = bandRows.lowerBound * width
      let length = bandRows.count * width
      grays8.withUnsafeMutableBufferPointer { g8 in
        grays16.withUnsafeMutableBufferPointer { g16 in
          floats.withUnsafeMutableBufferPointer { f32 in
            let (g8, g16, f32) = (UnsafeMutableSendableBuffer(g8), UnsafeMutableSendableBuffer(g16), UnsafeMutableSendableBuffer(f32))
            Engine.parallel(group.count, threads: threads) { i in
              let from = values.baseAddress! + i * length
              let to = i * plane + offset
              switch format {
              case .npy:
                (f32.buffer.baseAddress! + to).update(from: from, count: length)
              case .png:
                entries[group.lowerBound + i].mapping!.quantize(from, count: length, into: g8.buffer.baseAddress! + to)
              case .png16:
                entries[group.lowerBound + i].mapping!.quantize(from, count: length, into: g16.buffer.baseAddress! + to)
              }
            }
          }
        }
      }
    }

    let start = DispatchTime.now().uptimeNanoseconds
    var failures = [CodecError?](repeating: nil, count: group.count)
    grays8.withUnsafeBufferPointer { g8 in
      grays16.withUnsafeBufferPointer { g16 in
        floats.withUnsafeBufferPointer { f32 in
          failures.withUnsafeMutableBufferPointer { failures in
            let failed = UnsafeMutableSendableBuffer(failures)
            Engine.parallel(group.count, threads: threads) { i in
              let entry = entries[group.lowerBound + i]
              let path = directory + "/" + entry.file
              let slice = i * plane..<(i + 1) * plane
              do throws(CodecError) {
                switch format {
                case .npy:
                  try AtomicFile.write(NPYFile.bytes(UnsafeBufferPointer(rebasing: f32[slice]), height: height, width: width), to: path)
                case .png:
                  try GrayPNG.write(UnsafeBufferPointer(rebasing: g8[slice]), width: width, height: height, to: path,
                                    compression: options.compression, text: textChunks(entry))
                case .png16:
                  try GrayPNG.write(UnsafeBufferPointer(rebasing: g16[slice]), width: width, height: height, to: path,
                                    compression: options.compression, text: textChunks(entry))
                }
              } catch {
                failed.buffer[i] = error
              }
            }
          }
        }
      }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  func textChunks(_ entry: MapEntry) -> [(key: String, value: String)] {
    [
      (key: "Title", value: Self.latin1(entry.filter)),
      (key: "Software", value: "featuremaps"),
      (key: "featuremaps:bank", value: Self.latin1(bankName)),
      (key: "featuremaps:filter", value: Self.latin1(entry.filter)),
      (key: "featuremaps:mapping", value: Self.mappingText(entry.mapping!, scope: options.sharedScale ? "shared" : "per-map")),
    ]
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

/// A buffer that threads may share because each writes a disjoint part of it.
struct UnsafeMutableSendableBuffer<T>: @unchecked Sendable {
  let buffer: UnsafeMutableBufferPointer<T>
  init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}
