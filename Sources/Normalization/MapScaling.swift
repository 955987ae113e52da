import Basics

/// How the maps of one layer get their statistics and gray mappings: the one place that decides it, for
/// the writer, `explain`, the figures and the report alike.
public struct MapScaling: Sendable, Equatable {
  public var normalize: NormalizeMode
  /// One mapping for all the maps (comparable with each other) instead of one per map.
  public var shared: Bool
  public var region: StatisticsRegion
  public var maximumGray: Int

  public init(normalize: NormalizeMode = .auto, shared: Bool = false, region: StatisticsRegion = .interior, maximumGray: Int = 255) {
    self.normalize = normalize
    self.shared = shared
    self.region = region
    self.maximumGray = maximumGray
  }

  /// What the scaling gives one map.
  public struct Scaled: Sendable, Equatable {
    public var statistics: MapStatistics
    public var mapping: GrayMapping

    public init(statistics: MapStatistics, mapping: GrayMapping) {
      self.statistics = statistics
      self.mapping = mapping
    }
  }

  /// The part of a map's values the statistics look at: `interior` when the region asks for it and the map
  /// has one, else every pixel.
  public func statisticsRows(height: Int, width: Int, interior: (rows: Range<Int>, columns: Range<Int>))
    -> (rows: Range<Int>, columns: Range<Int>) {
    let useInterior = region == .interior && !interior.rows.isEmpty && !interior.columns.isEmpty
    return useInterior ? interior : (0..<height, 0..<width)
  }

  /// The mapping when it does not depend on the maps' values (`range:LO,HI`), else nil.
  public var mappingWithoutStatistics: GrayMapping? {
    guard case .range = normalize else { return nil }
    return GrayMapping.choose(normalize, stats: .empty, percentiles: nil, maximumGray: maximumGray)
  }

  /// A part of map `map`: `values` holds its rows `rows` (counted in the part), `width` values each, and
  /// the statistics look at columns `columns` of them.
  public typealias Part = (map: Int, values: UnsafeBufferPointer<Float>, width: Int, rows: Range<Int>, columns: Range<Int>)

  /// Statistics and mappings of `count` maps whose values `visit` shows, whole or in parts (bands of rows).
  /// `visit(concurrently, body)` calls `body` once for each part of each map; with `concurrently` it may
  /// call it on several threads at once for different maps. It is called once, and a second time when
  /// the mode needs a histogram of the values (`percentile`), once the range is known.
  public func choose(count: Int, visit: (_ concurrently: Bool, _ body: (Part) -> Void) -> Void) -> [Scaled] {
    var parts = [[MapStatistics]](repeating: [], count: count)
    parts.withUnsafeMutableBufferPointer { parts in
      let out = UnsafeMutableSendableBuffer(parts)
      visit(true) { part in
        out.buffer[part.map].append(MapStatistics.of(part.values, width: part.width, rows: part.rows, columns: part.columns))
      }
    }
    let statistics = parts.map { $0.count == 1 ? $0[0] : MapStatistics.combined($0) }
    guard shared else {
      var histograms: [ValueHistogram]?
      if normalize.needsHistogram {
        var each = statistics.map { ValueHistogram(low: $0.minimum, high: $0.maximum) }
        each.withUnsafeMutableBufferPointer { each in
          let out = UnsafeMutableSendableBuffer(each)
          visit(true) { part in out.buffer[part.map].add(part.values, width: part.width, rows: part.rows, columns: part.columns) }
        }
        histograms = each
      }
      return statistics.indices.map { m in
        Scaled(statistics: statistics[m], mapping: grayMapping(statistics[m], histograms?[m]))
      }
    }
    let combined = MapStatistics.combined(statistics)
    var histogram: ValueHistogram?
    if normalize.needsHistogram {
      var all = ValueHistogram(low: combined.minimum, high: combined.maximum)
      visit(false) { part in all.add(part.values, width: part.width, rows: part.rows, columns: part.columns) }
      histogram = all
    }
    let mapping = grayMapping(combined, histogram)
    return statistics.map { Scaled(statistics: $0, mapping: mapping) }
  }

  /// Statistics and mappings of `count` maps held whole, one after the other, as (count, height, width).
  public func choose(maps: UnsafeBufferPointer<Float>, count: Int, height: Int, width: Int,
                     interior: (rows: Range<Int>, columns: Range<Int>), threads: Int) -> [Scaled] {
    let (rows, columns) = statisticsRows(height: height, width: width, interior: interior)
    let plane = height * width
    return choose(count: count) { concurrently, body in
      Parallel.forEach(count, threads: concurrently ? threads : 1) { m in
        body((m, UnsafeBufferPointer(rebasing: maps[(m * plane)..<((m + 1) * plane)]), width, rows, columns))
      }
    }
  }

  private func grayMapping(_ statistics: MapStatistics, _ histogram: ValueHistogram?) -> GrayMapping {
    var percentiles: (Double, Double)?
    if case .percentile(let p) = normalize, let histogram { percentiles = (histogram.percentile(p), histogram.percentile(100 - p)) }
    return GrayMapping.choose(normalize, stats: statistics, percentiles: percentiles, maximumGray: maximumGray)
  }
}
