import Basics
import ConvEngine
import Foundation
import Normalization

/// Where a layer's maps come from: a tensor already in memory, or a conv layer that computes any block of
/// filters x rows on demand (so that maps can be produced in bands without holding them all).
public struct MapSource {
  public let count: Int
  public let height: Int
  public let width: Int
  /// Writes maps `filters`, rows `rows` as (filters.count, rows.count, width) into the pointer.
  private let fill: (Range<Int>, Range<Int>, UnsafeMutablePointer<Float>) -> Void
  /// The maps, when they are in memory already.
  private var tensor: Tensor?
  /// `tensor` was made by `materialized()`: no one else holds it.
  private var ownsTensor = false
  /// Filters the engine computes together for any one of them: groups of maps are best aligned to it.
  public let filterBlock: Int
  /// Seconds spent in the engine, and its floating-point operations.
  public private(set) var engineSeconds = 0.0
  public private(set) var engineOperations = 0.0
  private let operationsPerOutput: Double
  /// The maps are the last layer of streamed layers (`LayerBands`): asked for every map a band of rows at a
  /// time, in order, each row of every layer is computed once; any other order computes layers again.
  public let streamsBands: Bool
  /// With `streamsBands`, the rows a band of every map has at most (what the layers' memory budget allows).
  public let bandRows: Int?
  /// When the maps come from streamed layers (`streamsBands`, or materialized from them), per layer of the
  /// bank, the engine's seconds and operations so far.
  public var layerWork: [(seconds: Double, operations: Double)]? {
    bands.map { bands in zip(bands.seconds, bands.operations).map { ($0, $1) } }
  }
  private var bands: LayerBands?
  /// Raised when the maps being computed are no longer wanted.
  public private(set) var stop: StopFlag?
  /// The stop was raised: maps computed since may be incomplete.
  public var isStopped: Bool { stop?.isRaised == true }

  public static func tensor(_ tensor: Tensor) -> MapSource {
    var source = MapSource(count: tensor.channels, height: tensor.height, width: tensor.width, operationsPerOutput: 0,
                           filterBlock: 1) { filters, rows, out in
      tensor.values.withUnsafeBufferPointer { values in
        for (i, f) in filters.enumerated() {
          let from = values.baseAddress! + (f * tensor.height + rows.lowerBound) * tensor.width
          (out + i * rows.count * tensor.width).update(from: from, count: rows.count * tensor.width)
        }
      }
    }
    source.tensor = tensor
    return source
  }

  /// `preparationSeconds` (padding the input, packing the weights) count as engine time.
  /// `stop`: when raised, a block under way is given up between slices of rows (`isStopped` then says so).
  public static func conv(_ prepared: PreparedConv, threads: Int, preparationSeconds: Double = 0, stop: StopFlag? = nil) -> MapSource {
    let g = prepared.geometry
    var source = MapSource(count: prepared.conv.filterCount, height: g.outputHeight, width: g.outputWidth,
                     operationsPerOutput: 2 * Double(prepared.conv.multiplyAddsPerOutput),
                     filterBlock: prepared.filterGranule) { filters, rows, out in
      _ = prepared.compute(filters: filters, rows: rows, into: out, threads: threads, stop: stop)
    }
    source.engineSeconds = preparationSeconds
    source.stop = stop
    return source
  }

  /// The last layer of `bands`, computed on demand.
  static func banded(_ bands: LayerBands, stop: StopFlag?) -> MapSource {
    let (last, width) = (bands.last, bands.geometries[bands.last].outputWidth)
    var source = MapSource(count: bands.channels(last), height: bands.geometries[last].outputHeight, width: width,
                           operationsPerOutput: 0, filterBlock: bands.channels(last), streamsBands: true,
                           bandRows: bands.bandRows) { filters, rows, out in
      bands.fill(filters: filters, rows: rows, into: out, mapStride: rows.count * width)
    }
    source.bands = bands
    source.stop = stop
    return source
  }

  private init(count: Int, height: Int, width: Int, operationsPerOutput: Double, filterBlock: Int, streamsBands: Bool = false,
               bandRows: Int? = nil, fill: @escaping (Range<Int>, Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
    self.streamsBands = streamsBands
    self.bandRows = bandRows
    self.count = count
    self.height = height
    self.width = width
    self.operationsPerOutput = operationsPerOutput
    self.filterBlock = filterBlock
    self.fill = fill
  }

  public var isInMemory: Bool { tensor != nil }

  public mutating func fill(filters: Range<Int>, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
    let start = DispatchTime.now().uptimeNanoseconds
    fill(filters, rows, out)
    engineSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    engineOperations += operationsPerOutput * Double(filters.count * rows.count * width)
  }

  /// Runs `body` with maps `filters`, whole, as (filters.count, height, width): in place when the maps are
  /// in memory, else computed into `buffer` (grown when needed, kept for the next call).
  public mutating func withMaps<T>(_ filters: Range<Int>, reusing buffer: inout [Float],
                            _ body: (UnsafeBufferPointer<Float>) throws(OutputError) -> T) throws(OutputError) -> T {
    let size = filters.count * height * width
    if let tensor {
      return try tensor.values.withUnsafeBufferPointer { (values) throws(OutputError) in
        try body(UnsafeBufferPointer(rebasing: values[(filters.lowerBound * height * width)..<(filters.upperBound * height * width)]))
      }
    }
    if buffer.count < size { buffer = LargeBuffers.floats(count: size, repeating: 0) }
    buffer.withUnsafeMutableBufferPointer { fill(filters: filters, rows: 0..<height, into: $0.baseAddress!) }
    return try buffer.withUnsafeBufferPointer { (maps) throws(OutputError) in try body(UnsafeBufferPointer(rebasing: maps[0..<size])) }
  }

  /// Every map computed once, as a tensor.
  /// Its memory is a buffer given back by an earlier picture's maps when there is one (`recycle()`).
  public mutating func materialized() -> MapSource {
    let values = LargeBuffers.reused(count: count * height * width) { fill(filters: 0..<count, rows: 0..<height, into: $0.baseAddress!) }
    var source = MapSource.tensor(Tensor(channels: count, height: height, width: width, values: values))
    source.ownsTensor = true
    source.engineSeconds = engineSeconds
    source.engineOperations = engineOperations
    source.stop = stop  // maps computed after a stop are incomplete: the writer must still see it
    source.bands = bands  // each layer's time
    return source
  }

  /// Gives the maps' memory back for the next picture's (`LargeBuffers.giveBack`) once they are written.
  public mutating func recycle() {
    guard ownsTensor, var tensor else { return }
    self.tensor = nil
    LargeBuffers.giveBack(&tensor.values)
  }

  /// Statistics and gray mappings of every map under `scaling`: over the maps in memory, or over bands of
  /// rows computed `bandBytes` at a time when they are not (a histogram mode computes them twice).
  public mutating func scaled(_ scaling: MapScaling, interior: (rows: Range<Int>, columns: Range<Int>), threads: Int,
                              bandBytes: Int) -> [MapScaling.Scaled] {
    let (count, height, width) = (self.count, self.height, self.width)
    if let tensor {
      return tensor.values.withUnsafeBufferPointer { values in
        scaling.choose(maps: values, count: count, height: height, width: width, interior: interior, threads: threads)
      }
    }
    let (rows, columns) = scaling.statisticsRows(height: height, width: width, interior: interior)
    let bandRows = self.bandRows ?? Self.tiledBandRows(bandBytes / max(1, count * width * 4), height: height)
    var band = LargeBuffers.floats(count: count * bandRows * width, repeating: 0)
    return scaling.choose(count: count) { concurrently, body in
      for start in stride(from: 0, to: height, by: bandRows) {
        let range = start..<min(height, start + bandRows)
        let lower = max(rows.lowerBound, range.lowerBound)
        let upper = min(rows.upperBound, range.upperBound)
        guard lower < upper else { continue }
        let local = (lower - range.lowerBound)..<(upper - range.lowerBound)
        band.withUnsafeMutableBufferPointer { band in
          fill(filters: 0..<count, rows: range, into: band.baseAddress!)
          let values = UnsafeBufferPointer(band)
          let plane = range.count * width
          Parallel.forEach(count, threads: concurrently ? threads : 1) { m in
            body((m, UnsafeBufferPointer(rebasing: values[(m * plane)..<((m + 1) * plane)]), width, local, columns))
          }
        }
      }
    }
  }

  /// `rows` rounded down to a multiple of `Engine.bandRowMultiple`, at least that, at most `height`: so
  /// that Winograd's tiles of rows fall where they do in a whole pass (the same sums).
  public static func tiledBandRows(_ rows: Int, height: Int) -> Int {
    let multiple = Engine.bandRowMultiple
    return min(height, max(multiple, rows / multiple * multiple))
  }
}
