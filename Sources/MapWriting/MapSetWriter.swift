import Basics
import ConvEngine
import Foundation
import Normalization
import Pipeline

/// Writes the maps of one layer into sinks: statistics, gray mappings, then each map to every sink.
///
/// Memory stays bounded whatever the number and size of the maps: only a group of maps is held as
/// floats at a time, and each map is turned into gray levels and encoded on its own. With a per-map
/// scale each group is computed once and gives its own statistics. A shared scale over several groups
/// needs the statistics of every map first (`MapSource.scaled`, over bands of rows), then the groups are
/// computed again to be written. Small outputs are computed once and kept whole. Which statistics and
/// mapping a map gets is `MapScaling`'s choice alone.
public struct MapSetWriter {
  public var source: MapSource
  /// Called after each band of rows is written: rows done, rows in all (a long picture's progress).
  public var onBand: ((_ done: Int, _ total: Int) -> Void)?
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

  /// How the maps were computed and written, for --timings.
  public enum Strategy: Sendable, Equatable, CustomStringConvertible {
    /// In memory, or computed once whole.
    case whole
    /// Computed whole in groups of this many maps (again after a pass for a shared scale's statistics).
    case groups(Int, statisticsFirst: Bool)
    /// Every map a band of rows at a time with the layers before it (`passes`: the statistics' passes,
    /// then the one that writes; 1 when the mapping needs no statistics).
    case bands(passes: Int)

    public var description: String {
      switch self {
      case .whole: return "maps whole"
      case .groups(let size, let first): return "maps in groups of \(size)" + (first ? " after a statistics pass" : "")
      case .bands(let passes):
        return passes == 1 ? "layers streamed in bands, one pass" : "layers streamed in bands, \(passes) passes (statistics, then maps)"
      }
    }
  }
  public private(set) var strategy = Strategy.whole

  /// Seconds of the statistics passes outside the engine (`--timings`).
  public private(set) var statisticsSeconds = 0.0

  /// Outputs up to this size are computed once and kept whole.
  var materializeBytes: Int { options.mapMemoryBytes / 3 }
  /// Float values computed at a time in a band (shared-scale statistics over several groups).
  var bandBytes: Int { options.mapMemoryBytes / 6 }

  /// Float maps held at a time while a group is written (rounded to the engine's filter block).
  var groupBytes: Int { options.mapMemoryBytes }

  /// Gives every map to every sink; returns the maps' entries and the seconds the sinks took.
  public mutating func write(to sinks: [any MapSink]) throws(OutputError) -> (entries: [MapEntry], encodeSeconds: Double) {
    let (count, height, width) = (source.count, source.height, source.width)
    if count * height * width * 4 <= materializeBytes {
      source = source.materialized()
      strategy = .whole
    } else if source.streamsBands && sinks.allSatisfy(\.acceptsRows) {
      return try writeInBands(to: sinks)
    }
    let scaling = options.scaling

    var groupSize = source.isInMemory ? count : max(1, groupBytes / max(1, height * width * 4))
    if groupSize >= source.filterBlock { groupSize -= groupSize % source.filterBlock }
    let groups = stride(from: 0, to: count, by: groupSize).map { $0..<min(count, $0 + groupSize) }
    if !source.isInMemory { strategy = .groups(groupSize, statisticsFirst: scaling.shared && groups.count > 1) }

    // With a shared scale over several groups, the mappings are known before the first file: a pass over
    // bands of rows gathers them.
    var known: [MapScaling.Scaled]?
    if scaling.shared && groups.count > 1 {
      known = statisticsPass(bandBytes: bandBytes)
    }

    var entries: [MapEntry] = []
    var encodeSeconds = 0.0
    let digits = max(2, String(count - 1).count)
    var computing = source  // a copy, so that the closures below may read `self`; the engine's time adds up in it
    defer { source = computing }
    var buffer: [Float] = []  // one group of float maps, reused from group to group
    let stop = computing.stop
    for group in groups {
      // Given up (the run was stopped): the caller sees the source's stop and drops the result.
      if stop?.isRaised == true { break }
      let written = try computing.withMaps(group, reusing: &buffer) { (maps) throws(OutputError) -> ([MapEntry], Double) in
        if stop?.isRaised == true { return ([], 0) }
        let scaled = known.map { Array($0[group]) }
          ?? scaling.choose(maps: maps, count: group.count, height: height, width: width, interior: interior, threads: options.threads)
        let groupEntries = group.map { m in entry(m, scaled: scaled[m - group.lowerBound], digits: digits) }
        return (groupEntries, try give(maps, entries: groupEntries, to: sinks))
      }
      entries += written.0
      encodeSeconds += written.1
    }
    return (entries, encodeSeconds)
  }

  /// Every map's statistics and mapping from a pass (two with a histogram) over bands of rows computed for it.
  private mutating func statisticsPass(bandBytes: Int) -> [MapScaling.Scaled] {
    let (started, engineBefore) = (DispatchTime.now().uptimeNanoseconds, source.engineSeconds)
    let scaled = source.scaled(options.scaling, interior: interior, threads: options.threads, bandBytes: bandBytes)
    statisticsSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 - (source.engineSeconds - engineBefore)
    return scaled
  }

  /// Map `m`'s entry: its index among the picture's maps (`firstIndex + m`), its file numbered within its
  /// layer (`layer3/00-project-0.png` with --all-layers is `00-project-0.png` without).
  func entry(_ m: Int, scaled: MapScaling.Scaled, digits: Int) -> MapEntry {
    let index = firstIndex + m
    let number = String(repeating: "0", count: max(0, digits - String(m).count)) + String(m)
    return MapEntry(
      index: index, layer: layerNumber, filter: names[m],
      file: (fileStems?[m] ?? "\(subfolder)\(number)-\(Self.fileSafe(names[m]))") + ".\(options.format.fileExtension)",
      width: source.width, height: source.height, statistics: scaled.statistics, mapping: scaled.mapping)
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

  // MARK: - Streamed layers

  /// Every map a band of rows at a time, in order, so that the layers before stream once per pass. When
  /// the gray mapping needs no statistics (`range:LO,HI`, raw `.npy` values), one pass computes and writes
  /// and gathers the statistics for the manifest; otherwise a first pass (two with a histogram) finds the
  /// mappings and the last one writes.
  private mutating func writeInBands(to sinks: [any MapSink]) throws(OutputError) -> (entries: [MapEntry], encodeSeconds: Double) {
    let (count, height, width) = (source.count, source.height, source.width)
    let scaling = options.scaling
    let digits = max(2, String(count - 1).count)
    let fixed = scaling.mappingWithoutStatistics
    // (A histogram needs the range first: then the statistics come first whatever the format.)
    let onePass = (options.format.writesRawValues || fixed != nil) && !scaling.normalize.needsHistogram
    var known: [MapScaling.Scaled]?
    if !onePass {
      known = statisticsPass(bandBytes: options.streamedBandBytes)
      strategy = .bands(passes: scaling.normalize.needsHistogram ? 3 : 2)
    } else {
      strategy = .bands(passes: 1)
    }
    let placeholder = MapScaling.Scaled(statistics: .empty, mapping: fixed ?? GrayMapping.choose(
      scaling.normalize, stats: .empty, percentiles: nil, maximumGray: scaling.maximumGray))
    var entries = (0..<count).map { entry($0, scaled: known?[$0] ?? placeholder, digits: digits) }
    var rows: [[any MapRowSink]] = []
    for entry in entries {
      var each: [any MapRowSink] = []
      for sink in sinks { each.append(try sink.rows(of: entry)) }
      rows.append(each)
    }

    let (statisticsRows, columns) = scaling.statisticsRows(height: height, width: width, interior: interior)
    let bandRows = source.bandRows ?? MapSource.tiledBandRows(options.streamedBandBytes / max(1, count * width * 4), height: height)
    var band = LargeBuffers.floats(count: count * bandRows * width, repeating: 0)
    var failures = [OutputError?](repeating: nil, count: count)
    let started = DispatchTime.now().uptimeNanoseconds
    let engineBefore = source.engineSeconds
    var computing = source
    defer { source = computing }
    let stop = computing.stop
    let threads = options.threads
    let sinks = UnsafeSendable(rows)
    // Every band of every map to the sinks; in one pass, also to `statistics`.
    func writeBands(statistics: (MapScaling.Part) -> Void) {
      for first in stride(from: 0, to: height, by: bandRows) {
        if stop?.isRaised == true { return }
        let range = first..<min(height, first + bandRows)
        let lower = max(statisticsRows.lowerBound, range.lowerBound)
        let local = lower..<max(lower, min(statisticsRows.upperBound, range.upperBound))
        band.withUnsafeMutableBufferPointer { band in
          computing.fill(filters: 0..<count, rows: range, into: band.baseAddress!)
          let values = UnsafeBufferPointer(band)
          let plane = range.count * width
          failures.withUnsafeMutableBufferPointer { failures in
            let failed = UnsafeMutableSendableBuffer(failures)
            Parallel.forEach(count, threads: threads) { m in
              let map = UnsafeBufferPointer(rebasing: values[(m * plane)..<((m + 1) * plane)])
              if onePass && !local.isEmpty {
                statistics((m, map, width, (local.lowerBound - range.lowerBound)..<(local.upperBound - range.lowerBound), columns))
              }
              guard failed.buffer[m] == nil else { return }
              do throws(OutputError) {
                for sink in sinks.value[m] { try sink.append(map) }
              } catch {
                failed.buffer[m] = error
              }
            }
          }
        }
        if failures.contains(where: { $0 != nil }) { return }
        onBand?(range.upperBound, height)
      }
    }
    // One pass: the statistics come from the bands being written (`choose` visits once without a histogram).
    let scaled = onePass ? scaling.choose(count: count) { _, statistics in writeBands(statistics: statistics) } : nil
    if !onePass { writeBands { _ in } }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    if stop?.isRaised == true { return (entries, 0) }  // the caller sees the stop and drops the result
    for each in rows { for sink in each { try sink.finish() } }
    if let scaled {
      for m in 0..<count {
        entries[m].statistics = scaled[m].statistics
        if fixed == nil { entries[m].mapping = scaled[m].mapping }
      }
    }
    let encodeSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 - (computing.engineSeconds - engineBefore)
    return (entries, encodeSeconds)
  }
}

/// A value handed to concurrent iterations that only read it (the row sinks of different maps).
struct UnsafeSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
