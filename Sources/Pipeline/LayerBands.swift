import Basics
import ConvEngine
import Dispatch
import FilterBanks

/// A bank's last layer computed in bands of rows with every layer before it streamed: each inner layer
/// keeps a window of its output rows, exactly the rows the next layer needs for the band being computed,
/// so that no inner layer is ever made whole (a 12 MP picture through 64 3x3 filters is 3 GB whole; its
/// window for a band of 64 rows is about 66 rows, 70 MB).
///
/// Asking for rows in increasing order computes every row of every layer once: a window keeps the rows the
/// next band needs again (the kernel's overlap) and computes only the new ones. Asking for earlier rows
/// starts the windows again from there (a second pass over the maps recomputes them).
///
/// A band of an inner layer is the layer itself on its window with the padding of that band: the rows of
/// padding above the window only when the window starts at the layer input's first row, below only when it
/// ends at its last (`bandLayer`). Layer 1 reads the bank's input, which is whole anyway.
final class LayerBands {
  let layers: [Layer]
  let geometries: [LayerGeometry]
  let engine: Engine
  /// The bank's input (layer 1's), whole.
  let input: Tensor
  /// Layer 1 bound to the whole input once, when it is a conv layer.
  private let first: PreparedConv?
  /// Per inner layer (all but the last): rows `first..<first + tensor.height` of its output.
  private var windows: [(first: Int, tensor: Tensor)]
  /// Per conv layer after the first, the layer prepared for the last band (its packed weights serve the next).
  private var prepared: [PreparedConv?]
  /// The rows a window keeps while its maps' stride changes.
  private var keptScratch: [Float] = []
  /// Per layer, seconds in the engine and floating-point operations (a multiply-add counts 2).
  private(set) var seconds: [Double]
  private(set) var operations: [Double]
  /// The engine's stop flag was raised during a band: the rows computed since are incomplete.
  private(set) var stopped = false

  /// Whether the layers can be streamed: a band's padding is made from the band's own rows, which holds
  /// for zeros and for edges made from the rows next to them (replicate; reflect and symmetric when the
  /// padding is less than the rows a band holds), not for circular padding, which wraps to the far side.
  static func canStream(_ layers: [Layer], geometries: [LayerGeometry]) -> Bool {
    zip(layers, geometries).dropFirst().allSatisfy { layer, g in
      guard case .conv(let conv) = layer else { return true }
      let span = (conv.kernel.y - 1) * conv.dilation.y + 1
      switch conv.paddingMode {
      case .zeros: return true
      // Every band then holds the edge row (a band reading only padding would not).
      case .replicate: return max(g.padding.top, g.padding.bottom) < span
      case .reflect, .symmetric: return 2 * max(g.padding.top, g.padding.bottom) < span
      case .circular: return g.padding.top == 0 && g.padding.bottom == 0
      }
    }
  }

  /// The bytes the inner layers' windows hold at most when the last layer is computed `bandRows` rows at a
  /// time: going back from the last layer, each window holds the rows its next layer reads for a band.
  static func windowBytes(_ layers: [Layer], geometries: [LayerGeometry], channels: [Int], bandRows: Int) -> Int {
    var (rows, total) = (bandRows, 0)
    for k in stride(from: layers.count - 1, to: 0, by: -1) {
      let (stride, span) = strideAndSpan(layers[k])
      rows = min(geometries[k].inputHeight, (rows - 1) * stride + span)
      total = Checked.sum(total, Checked.product(4, channels[k - 1], geometries[k - 1].outputWidth, rows) ?? Int.max) ?? Int.max
    }
    return total
  }

  /// Rows of the last layer computed at a time at most: so that a band of its maps and every window fit
  /// the budget together (`bandRows(budget:)`); a longer request is computed in bands of this many.
  private(set) var bandRows: Int

  /// Thinner bands cost more than they save: each pads its kernels' overlap again, and every layer's band is
  /// a round of the threads. Measured on the seeded 5-layer bank at 12 MP (Intel Xeon): bands of 4 rows ran
  /// its layers 4-6 at 0.63-0.77x their rate on a 512x512 picture.
  static let minimumBandRows = 16

  /// The most rows of the last layer, a multiple of `Engine.bandRowMultiple` (Winograd's tiles of rows), at
  /// least `minimumBandRows`, such that a band of its maps and the windows it needs hold `budget` bytes at
  /// most: the memory of a run hardly grows with the number of layers, their bands get thinner (down to the
  /// minimum).
  static func bandRows(budget: Int, layers: [Layer], geometries: [LayerGeometry], channels: [Int]) -> Int {
    let last = geometries[geometries.count - 1]
    let multiple = Engine.bandRowMultiple
    func bytes(_ rows: Int) -> Int {
      Checked.sum(Checked.product(4, channels.last!, last.outputWidth, rows) ?? Int.max,
                  windowBytes(layers, geometries: geometries, channels: channels, bandRows: rows)) ?? Int.max
    }
    // In tiles of rows.
    var (low, high) = (minimumBandRows / multiple, max(1, last.outputHeight / multiple))
    if bytes(multiple * high) <= budget || low >= high { return max(1, min(last.outputHeight, multiple * max(low, high))) }
    while low < high {
      let middle = (low + high + 1) / 2
      if bytes(multiple * middle) <= budget { low = middle } else { high = middle - 1 }
    }
    return min(max(1, last.outputHeight), multiple * low)
  }

  init(layers: [Layer], geometries: [LayerGeometry], input: Tensor, engine: Engine, budget: Int) throws(ShapeError) {
    precondition(layers.count == geometries.count && !layers.isEmpty)
    self.layers = layers
    self.geometries = geometries
    self.input = input
    self.engine = engine
    let start = DispatchTime.now().uptimeNanoseconds
    if case .conv(let conv) = layers[0] {
      first = try PreparedConv(conv, input: input, layerIndex: 0, path: engine.path, algorithm: engine.algorithm, threads: engine.threads)
    } else {
      first = nil
    }
    windows = []
    prepared = layers.map { _ in nil }
    seconds = layers.map { _ in 0 }
    operations = layers.map { _ in 0 }
    seconds[0] = BankRun.seconds(since: start)
    // Empty windows: no rows held yet.
    windows = []
    bandRows = 0
    let channels = (0..<layers.count).map { self.channels($0) }
    windows = (0..<last).map { k in (0, Tensor(channels: channels[k], height: 0, width: geometries[k].outputWidth, values: [])) }
    bandRows = Self.bandRows(budget: budget, layers: layers, geometries: geometries, channels: channels)
  }

  var last: Int { layers.count - 1 }

  /// Output channels of layer `k`.
  func channels(_ k: Int) -> Int {
    switch layers[k] {
    case .conv(let conv): return conv.filterCount
    case .pool: return k == 0 ? input.channels : channels(k - 1)
    }
  }

  /// Rows `rows` of the last layer's maps `filters` into `out`, maps `mapStride` floats apart (in bands of
  /// `bandRows` at most).
  func fill(filters: Range<Int>, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, mapStride: Int) {
    let width = geometries[last].outputWidth
    for first in stride(from: rows.lowerBound, to: rows.upperBound, by: bandRows) {
      compute(last, filters: filters, rows: first..<min(rows.upperBound, first + bandRows),
              into: out + (first - rows.lowerBound) * width, mapStride: mapStride)
    }
  }

  /// The rows of layer `k`'s input, padding rows counted as negative or past its height, that its output
  /// rows `rows` read.
  private func paddedRows(_ k: Int, for rows: Range<Int>) -> Range<Int> {
    let (stride, span) = Self.strideAndSpan(layers[k])
    let top = geometries[k].padding.top
    return (rows.lowerBound * stride - top)..<((rows.upperBound - 1) * stride + span - top)
  }

  /// The rows of layer `k`'s input that its output rows `rows` read (none when they read padding only).
  private func inputRows(_ k: Int, for rows: Range<Int>) -> Range<Int> {
    let (padded, height) = (paddedRows(k, for: rows), geometries[k].inputHeight)
    let low = min(height, max(0, padded.lowerBound))
    return low..<max(low, min(height, padded.upperBound))
  }

  static func strideAndSpan(_ layer: Layer) -> (stride: Int, span: Int) {
    switch layer {
    case .conv(let conv): return (conv.stride.y, (conv.kernel.y - 1) * conv.dilation.y + 1)
    case .pool(let pool): return (pool.stride.y, pool.size.y)
    }
  }

  /// Layer `k`'s output rows `rows`, maps `filters` (all of them for a pooling layer), into `out`.
  private func compute(_ k: Int, filters: Range<Int>, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, mapStride: Int) {
    guard !rows.isEmpty, !stopped else { return }
    if k == 0, let first {
      let start = DispatchTime.now().uptimeNanoseconds
      if !first.compute(filters: filters, rows: rows, into: out, mapStride: mapStride, threads: engine.threads, stop: engine.stop) {
        stopped = true
      }
      account(0, since: start, outputs: filters.count * rows.count * geometries[0].outputWidth)
      return
    }
    let needed = inputRows(k, for: rows)
    let source: Tensor
    if k == 0 {
      source = Self.rows(needed, of: input)
    } else {
      makeWindow(k - 1, rows: needed)
      if stopped { return }
      source = windows[k - 1].tensor
    }
    let start = DispatchTime.now().uptimeNanoseconds
    let padding = bandPadding(k, rows: rows)
    do {
      switch layers[k] {
      case .conv(var conv):
        // The weights are packed for the first band and kept for the others.
        let band: PreparedConv
        if let prepared = prepared[k] {
          band = try prepared.bound(to: source, padding: padding, layerIndex: k, threads: engine.threads)
        } else {
          conv.padding = .fixed(padding)
          band = try PreparedConv(conv, input: source, layerIndex: k, path: engine.path, algorithm: engine.algorithm, threads: engine.threads)
        }
        prepared[k] = band.withoutInput  // the window's memory is reused for the next band: nothing else may hold it
        precondition(band.geometry.outputHeight == rows.count)
        if !band.compute(filters: filters, rows: 0..<rows.count, into: out, mapStride: mapStride, threads: engine.threads, stop: engine.stop) {
          stopped = true
        }
      case .pool(var pool):
        pool.padding = padding
        let g = try LayerGeometry.of(pool, height: source.height, width: source.width, layerIndex: k)
        precondition(g.outputHeight == rows.count)
        engine.apply(pool, geometry: g, to: source, into: out, mapStride: mapStride)
      }
    } catch {
      // The whole layer's geometry was checked; a band of it has the same columns and fits its rows.
      preconditionFailure("a band of layer \(k + 1) does not fit: \(error)")
    }
    if engine.stop?.isRaised == true { stopped = true }
    account(k, since: start, outputs: filters.count * rows.count * geometries[k].outputWidth)
  }

  /// Layer `k`'s padding for its output rows `rows` computed from exactly the input rows they read: the
  /// layer's rows of padding above only where the rows reach above the input, below likewise.
  private func bandPadding(_ k: Int, rows: Range<Int>) -> Padding {
    let (padded, g) = (paddedRows(k, for: rows), geometries[k])
    let top = min(padded.count, max(0, -padded.lowerBound))
    let bottom = min(padded.count, max(0, padded.upperBound - g.inputHeight))
    return Padding(top: top, left: g.padding.left, bottom: bottom, right: g.padding.right)
  }

  /// Makes layer `k`'s window hold exactly its output rows `rows`: the rows it holds already are kept
  /// (when the window moves on, the overlap, moved to the front of each map in place) and the others
  /// computed. Its memory is the same from band to band: no fresh pages, which cost more than the copy.
  private func makeWindow(_ k: Int, rows: Range<Int>) {
    let (first, oldRows) = (windows[k].first, windows[k].tensor.height)
    let held = first..<(first + oldRows)
    if held == rows { return }
    let (channels, width) = (channels(k), geometries[k].outputWidth)
    // Rows kept: the old window's from `rows.lowerBound` on, when it starts within it.
    let kept = held.contains(rows.lowerBound) ? rows.lowerBound..<min(held.upperBound, rows.upperBound) : rows.lowerBound..<rows.lowerBound
    var values: [Float] = []
    swap(&values, &windows[k].tensor.values)  // uniquely referenced: resized and written in place
    let (oldStride, newStride, keptFloats) = (oldRows * width, rows.count * width, kept.count * width)
    values.withUnsafeMutableBufferPointer { values in
      // The kept rows to a scratch first when the maps' stride changes (the window's first and last bands).
      guard keptFloats > 0 else { return }
      let from = (kept.lowerBound - held.lowerBound) * width
      if oldStride == newStride {
        for c in 0..<channels { (values.baseAddress! + c * newStride).update(from: values.baseAddress! + c * oldStride + from, count: keptFloats) }
      } else {
        keptScratch = Array(repeating: 0, count: channels * keptFloats)
        for c in 0..<channels { keptScratch.withUnsafeMutableBufferPointer { ($0.baseAddress! + c * keptFloats).update(from: values.baseAddress! + c * oldStride + from, count: keptFloats) } }
      }
    }
    Self.resize(&values, to: channels * newStride)
    values.withUnsafeMutableBufferPointer { values in
      let target = values.baseAddress!
      if keptFloats > 0 && oldStride != newStride {
        keptScratch.withUnsafeBufferPointer { scratch in
          for c in 0..<channels { (target + c * newStride).update(from: scratch.baseAddress! + c * keptFloats, count: keptFloats) }
        }
      }
      compute(k, filters: 0..<channels, rows: kept.upperBound..<rows.upperBound,
              into: target + (kept.upperBound - rows.lowerBound) * width, mapStride: newStride)
    }
    windows[k] = (rows.lowerBound, Tensor(channels: channels, height: rows.count, width: width, values: values))
  }

  /// `values` made `count` long, reusing its memory: no fresh pages once a window has reached its size.
  /// The values are left as they were (the caller writes every one it reads).
  static func resize(_ values: inout [Float], to count: Int) {
    if values.count > count {
      values.removeLast(values.count - count)
    } else if values.count < count {
      if values.capacity < count {
        var larger = LargeBuffers.floats(count: count, repeating: 0)
        swap(&larger, &values)
      } else {
        values.append(contentsOf: repeatElement(0, count: count - values.count))
      }
    }
  }

  /// Rows `rows` of `tensor`, as a tensor of their own.
  static func rows(_ rows: Range<Int>, of tensor: Tensor) -> Tensor {
    if rows == 0..<tensor.height { return tensor }
    let (plane, width) = (rows.count * tensor.width, tensor.width)
    let values = LargeBuffers.floats(count: tensor.channels * plane) { out in
      tensor.values.withUnsafeBufferPointer { source in
        for c in 0..<tensor.channels {
          (out.baseAddress! + c * plane).initialize(from: source.baseAddress! + (c * tensor.height + rows.lowerBound) * width, count: plane)
        }
      }
    }
    return Tensor(channels: tensor.channels, height: rows.count, width: width, values: values)
  }

  private func account(_ k: Int, since start: UInt64, outputs: Int) {
    seconds[k] += BankRun.seconds(since: start)
    operations[k] += BankRun.operations(layers[k], outputValues: outputs)
  }
}
