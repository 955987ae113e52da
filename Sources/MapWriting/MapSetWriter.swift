import Basics
import ConvEngine
import Foundation
import Normalization

/// Writes the maps of one layer into sinks: statistics, gray mappings, then each map to every sink.
///
/// Memory stays bounded whatever the number and size of the maps: only a group of maps is held as
/// floats at a time, and each map is turned into gray levels and encoded on its own. With a per-map
/// scale each group is computed once and gives its own statistics. A shared scale needs the statistics
/// of every map first: a pass over bands of rows gathers them (a second one builds the histograms for
/// `percentile`), then the groups are computed again to be written. Small outputs are computed once and
/// kept whole.
public struct MapSetWriter {
  public var source: MapSource
  let names: [String]
  let layerNumber: Int
  let interior: (rows: Range<Int>, columns: Range<Int>)
  let options: OutputOptions
  /// Index of the first map in the picture's whole list (with --all-layers).
  let firstIndex: Int
  /// `""` or `layerN/`: where the layer's files go in the picture's folder.
  public let subfolder: String
  /// Each map's file relative to the picture's folder, without its extension, when not `NN-name` in
  /// `subfolder` (partial maps: `NN-filter.partials/CC-channel`).
  let fileStems: [String]?

  public init(source: MapSource, names: [String], layerNumber: Int, interior: (rows: Range<Int>, columns: Range<Int>),
              options: OutputOptions, firstIndex: Int, subfolder: String, fileStems: [String]? = nil) {
    self.source = source
    self.names = names
    self.layerNumber = layerNumber
    self.interior = interior
    self.options = options
    self.firstIndex = firstIndex
    self.subfolder = subfolder
    self.fileStems = fileStems
  }

  /// Outputs up to this size are computed once and kept whole.
  var materializeBytes: Int { options.mapMemoryBytes / 3 }
  /// Float values computed at a time in a band (shared-scale statistics).
  var bandBytes: Int { options.mapMemoryBytes / 6 }
  /// Float maps held at a time while a group is written (rounded to the engine's filter block).
  var groupBytes: Int { options.mapMemoryBytes }

  /// Gives every map to every sink; returns the maps' entries and the seconds the sinks took.
  public mutating func write(to sinks: [any MapSink]) throws(OutputError) -> (entries: [MapEntry], encodeSeconds: Double) {
    let (count, height, width) = (source.count, source.height, source.width)
    if count * height * width * 4 <= materializeBytes { source = source.materialized() }
    let useInterior = options.statisticsRegion == .interior && !interior.rows.isEmpty && !interior.columns.isEmpty
    let rows = useInterior ? interior.rows : 0..<height
    let columns = useInterior ? interior.columns : 0..<width

    var groupSize = source.isInMemory ? count : max(1, groupBytes / max(1, height * width * 4))
    if groupSize >= source.filterBlock { groupSize -= groupSize % source.filterBlock }
    let groups = stride(from: 0, to: count, by: groupSize).map { $0..<min(count, $0 + groupSize) }

    // With a shared scale, or all maps in one group, the mappings are known before the first file.
    var statistics: [MapStatistics]?
    var mappings: [GrayMapping]?
    if options.sharedScale && groups.count > 1 {
      statistics = gatherStatistics(rows: rows, columns: columns)
      mappings = chooseSharedMappings(statistics!, rows: rows, columns: columns)
    }

    var entries: [MapEntry] = []
    var encodeSeconds = 0.0
    let digits = max(2, String(firstIndex + count - 1).count)
    var computing = source  // a copy, so that the closures below may read `self`; the engine's time adds up in it
    defer { source = computing }
    var buffer: [Float] = []  // one group of float maps, reused from group to group
    for group in groups {
      let known = (statistics, mappings)
      let written = try computing.withMaps(group, reusing: &buffer) { (maps) throws(OutputError) -> ([MapEntry], Double) in
        let stats = known.0.map { Array($0[group]) } ?? Self.statistics(of: maps, count: group.count, width: width, height: height,
                                                                          rows: rows, columns: columns, threads: options.threads)
        let groupMappings: [GrayMapping]
        if let all = known.1 {
          groupMappings = Array(all[group])
        } else if options.sharedScale {
          groupMappings = chooseSharedMappings(inMemory: maps, stats, rows: rows, columns: columns)
        } else {
          groupMappings = choosePerMapMappings(maps, stats, rows: rows, columns: columns)
        }
        let groupEntries = group.map { m in
          let index = firstIndex + m
          let number = String(repeating: "0", count: max(0, digits - String(index).count)) + String(index)
          return MapEntry(
            index: index, layer: layerNumber, filter: names[m],
            file: (fileStems?[m] ?? "\(subfolder)\(number)-\(Self.fileSafe(names[m]))") + ".\(options.format.fileExtension)",
            width: width, height: height, statistics: stats[m - group.lowerBound], mapping: groupMappings[m - group.lowerBound])
        }
        return (groupEntries, try give(maps, entries: groupEntries, to: sinks))
      }
      entries += written.0
      encodeSeconds += written.1
    }
    return (entries, encodeSeconds)
  }

  // MARK: - Statistics and mappings of maps in memory

  /// Statistics of `count` maps held as (count, height, width), over `rows` x `columns`.
  static func statistics(of maps: UnsafeBufferPointer<Float>, count: Int, width: Int, height: Int, rows: Range<Int>,
                         columns: Range<Int>, threads: Int) -> [MapStatistics] {
    var result = [MapStatistics](repeating: .empty, count: count)
    result.withUnsafeMutableBufferPointer { result in
      let out = UnsafeMutableSendableBuffer(result)
      Parallel.forEach(count, threads: threads) { m in
        let map = UnsafeBufferPointer(rebasing: maps[(m * height * width)..<((m + 1) * height * width)])
        out.buffer[m] = MapStatistics.of(map, width: width, rows: rows, columns: columns)
      }
    }
    return result
  }

  /// One mapping per map; `percentile` reads each map's histogram.
  private func choosePerMapMappings(_ maps: UnsafeBufferPointer<Float>, _ stats: [MapStatistics], rows: Range<Int>,
                                    columns: Range<Int>) -> [GrayMapping] {
    let plane = source.height * source.width
    return stats.enumerated().map { m, stat in
      var percentiles: (Double, Double)?
      if case .percentile(let p) = options.normalize {
        var histogram = ValueHistogram(low: stat.minimum, high: stat.maximum)
        histogram.add(UnsafeBufferPointer(rebasing: maps[(m * plane)..<((m + 1) * plane)]), width: source.width, rows: rows, columns: columns)
        percentiles = (histogram.percentile(p), histogram.percentile(100 - p))
      }
      return GrayMapping.choose(options.normalize, stats: stat, percentiles: percentiles, maximumGray: options.format.maximumGray)
    }
  }

  /// One mapping for all maps, which are all in `maps`.
  private func chooseSharedMappings(inMemory maps: UnsafeBufferPointer<Float>, _ stats: [MapStatistics], rows: Range<Int>,
                                    columns: Range<Int>) -> [GrayMapping] {
    let combined = MapStatistics.combined(stats)
    var percentiles: (Double, Double)?
    if case .percentile(let p) = options.normalize {
      var histogram = ValueHistogram(low: combined.minimum, high: combined.maximum)
      let plane = source.height * source.width
      for m in stats.indices {
        histogram.add(UnsafeBufferPointer(rebasing: maps[(m * plane)..<((m + 1) * plane)]), width: source.width, rows: rows, columns: columns)
      }
      percentiles = (histogram.percentile(p), histogram.percentile(100 - p))
    }
    let mapping = GrayMapping.choose(options.normalize, stats: combined, percentiles: percentiles, maximumGray: options.format.maximumGray)
    return Array(repeating: mapping, count: stats.count)
  }

  // MARK: - Pass 1: statistics

  /// Calls `body(rows, values)` for bands of rows of maps `filters`, values (filters.count, rows.count, width).
  private mutating func forEachBand(of filters: Range<Int>, _ body: (Range<Int>, UnsafeMutableBufferPointer<Float>) -> Void) {
    let (height, width) = (source.height, source.width)
    let bandRows = max(1, min(height, bandBytes / max(1, filters.count * width * 4)))
    var band = LargeBuffers.floats(count: filters.count * bandRows * width, repeating: 0)
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
        Parallel.forEach(count, threads: threads) { m in
          let map = UnsafeBufferPointer(rebasing: values[(m * bandRows.count * width)..<((m + 1) * bandRows.count * width)])
          out.buffer[m] = MapStatistics.of(map, width: width, rows: local, columns: columns)
        }
      }
      for m in 0..<count { parts[m].append(band[m]) }
    }
    return parts.map { MapStatistics.combined($0) }
  }

  /// One mapping for all maps, computed band by band (the maps are not in memory).
  private mutating func chooseSharedMappings(_ statistics: [MapStatistics], rows: Range<Int>, columns: Range<Int>) -> [GrayMapping] {
    let combined = MapStatistics.combined(statistics)
    var percentiles: (Double, Double)?
    if case .percentile(let p) = options.normalize {
      var histogram = ValueHistogram(low: combined.minimum, high: combined.maximum)
      let (width, count) = (source.width, source.count)
      forEachBand(of: 0..<count) { bandRows, values in
        guard let local = Self.rows(rows, within: bandRows) else { return }
        for m in 0..<count {
          let map = UnsafeBufferPointer(rebasing: values[(m * bandRows.count * width)..<((m + 1) * bandRows.count * width)])
          histogram.add(map, width: width, rows: local, columns: columns)
        }
      }
      percentiles = (histogram.percentile(p), histogram.percentile(100 - p))
    }
    let mapping = GrayMapping.choose(options.normalize, stats: combined, percentiles: percentiles, maximumGray: options.format.maximumGray)
    return Array(repeating: mapping, count: statistics.count)
  }

  /// The rows of `wanted` that lie in `band`, counted from the band's first row; nil when none do.
  static func rows(_ wanted: Range<Int>, within band: Range<Int>) -> Range<Int>? {
    let (lower, upper) = (max(wanted.lowerBound, band.lowerBound), min(wanted.upperBound, band.upperBound))
    return lower < upper ? (lower - band.lowerBound)..<(upper - band.lowerBound) : nil
  }

  // MARK: - Pass 2: the sinks

  /// Gives each map of `maps` (as `entries` list them) to every sink, maps in parallel; returns the seconds spent.
  private func give(_ maps: UnsafeBufferPointer<Float>, entries: [MapEntry], to sinks: [any MapSink]) throws(OutputError) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let plane = source.width * source.height
    var failures = [OutputError?](repeating: nil, count: entries.count)
    failures.withUnsafeMutableBufferPointer { failures in
      let failed = UnsafeMutableSendableBuffer(failures)
      Parallel.forEach(entries.count, threads: options.threads) { i in
        let map = UnsafeBufferPointer(rebasing: maps[(i * plane)..<((i + 1) * plane)])
        do throws(OutputError) {
          for sink in sinks { try sink.accept(entries[i], values: map) }
        } catch {
          failed.buffer[i] = error
        }
      }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
  }

  /// A filter name made safe as part of a file name: letters, digits, '-', '_' and '.' are kept,
  /// everything else (path separators included) becomes '_'. The map's index in front keeps names
  /// unique and keeps them from being '.', '..' or hidden.
  public static func fileSafe(_ name: String) -> String {
    String(name.unicodeScalars.map { scalar -> Character in
      let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.".unicodeScalars.contains(scalar))
      return allowed ? Character(scalar) : "_"
    })
  }
}
