import Basics
import ConvEngine
import Foundation
import MapWriting
import Normalization
import Pipeline
import Teaching

/// Where one map comes from, as one figure: the input planes of the filter's group, each correlated with
/// its own kernel (drawn between) into a partial map, the partial maps summed, the bias added, the
/// activation applied, the map. Tiles show the numbers the engine computes, with the mappings the main
/// command gives them (the partial maps' those of `--partials`, the map's its own). With a pixel, its
/// receptive field is outlined on every plane and `explain`'s numbers are printed beside.
public enum Decomposition {
  /// How the tiles where values are added (the partial maps, their sum, + bias, the activation's output)
  /// map values to gray.
  public enum Scale: String, Sendable, CaseIterable {
    /// One mapping for all of them, shown as a scale bar: equal values are equal grays, so the parts can be
    /// seen to add up (the default).
    case added
    /// Each tile the main command's own mapping (`--partials`' for the partial maps), as the files are.
    case perTile = "per-tile"
  }

  /// Where each tile is, for tests: keys `input:C`, `kernel:C`, `partial:C` (C the channel's place in the
  /// group), `sum`, `preactivation`, `map`; and, with the `added` scale, its one mapping.
  public struct Layout: Sendable {
    public var tiles: [String: (x: Int, y: Int, width: Int, height: Int)] = [:]
    public var addedMapping: GrayMapping?
  }

  /// `maximumChannels`: draw at most this many input channels (those whose partial maps weigh most).
  public static func write(_ run: LayerRun, filter f: Int, pixel: ExplainedPixel?, options: OutputOptions, tileSize: Int,
                           maximumChannels: Int? = nil, scale: Scale = .added, colors: ColorMap = .gray, to path: String) throws(OutputError) -> Layout {
    let (canvas, layout) = try draw(run, filter: f, pixel: pixel, options: options, tileSize: tileSize, maximumChannels: maximumChannels,
                                    scale: scale, colors: colors)
    try canvas.write(to: path)
    return layout
  }

  /// The gray levels of each map of `tensor` under the main command's mappings (`MapScaling` chooses them).
  static func grays(_ tensor: Tensor, interior: (rows: Range<Int>, columns: Range<Int>), options: OutputOptions) -> [[UInt8]] {
    let plane = tensor.planeSize
    return tensor.values.withUnsafeBufferPointer { values in
      let scaled = options.scaling.choose(maps: values, count: tensor.channels, height: tensor.height, width: tensor.width,
                                          interior: interior, threads: options.threads)
      return scaled.indices.map { m in
        Montage.grays(UnsafeBufferPointer(rebasing: values[(m * plane)..<((m + 1) * plane)]), mapping: scaled[m].mapping)
      }
    }
  }

  static func draw(_ run: LayerRun, filter f: Int, pixel: ExplainedPixel?, options: OutputOptions,
                   tileSize: Int, maximumChannels: Int? = nil, scale: Scale = .added, colors: ColorMap = .gray) throws(OutputError) -> (Canvas, Layout) {
    let conv = run.conv
    let cpg = conv.channelsPerGroup
    let first = conv.firstChannel(ofFilter: f)
    let (h, w) = (run.output.height, run.output.width)
    let plane = h * w
    // This filter's partial maps, mapped as --partials maps them: with a shared scale, one mapping over
    // every filter's partials (streamed, never all held); with a scale per map, each its own.
    let interior = run.run.interior(ofLayer: run.index)
    let mine: Tensor
    do {
      mine = try run.run.partialMaps(ofLayer: run.index, filter: f)
    } catch {
      preconditionFailure("the partial layers have the layer's geometry, which the run checked")
    }
    let partials = (0..<cpg).map { Array(mine.plane($0)) }
    // The sum of this filter's partial maps, and the sum plus the bias.
    var sum = [Float](repeating: 0, count: plane)
    for ci in 0..<cpg {
      for i in 0..<plane { sum[i] += partials[ci][i] }
    }
    let preActivation = sum.map { $0 + conv.bias[f] }
    let map = Array(run.output.values[(f * plane)..<((f + 1) * plane)])
    // The gray levels of the partial maps, the sum, the sum plus the bias and the map, under one mapping
    // (`added`) or each under the main command's (`perTile`).
    let partialGraysShown: [[UInt8]]
    let stageGraysShown: [[UInt8]]
    let mapGrays: [UInt8]
    var addedMapping: GrayMapping?
    var clippedBeyond: Double?
    switch scale {
    case .added:
      let added = Tensor(channels: cpg + 3, height: h, width: w, values: mine.values + sum + preActivation + map)
      let (mapping, clipped) = addedScale(added, interior: interior, options: options)
      let all = added.values.withUnsafeBufferPointer { values in
        (0..<added.channels).map { Montage.grays(UnsafeBufferPointer(rebasing: values[($0 * plane)..<(($0 + 1) * plane)]), mapping: mapping) }
      }
      partialGraysShown = Array(all[0..<cpg])
      stageGraysShown = [all[cpg], all[cpg + 1]]
      mapGrays = all[cpg + 2]
      (addedMapping, clippedBeyond) = (mapping, clipped)
    case .perTile:
      // The partial maps mapped as --partials maps them: with a shared scale, one mapping over every
      // filter's partials (streamed, never all held); with a scale per map, each its own.
      if options.sharedScale {
        var all: MapSource
        do {
          all = try run.run.partialMaps(ofLayer: run.index)
        } catch {
          preconditionFailure("the partial layers have the layer's geometry, which the run checked")
        }
        let mapping = all.scaled(options.scaling, interior: interior, threads: options.threads, bandBytes: options.mapMemoryBytes / 6)[0].mapping
        partialGraysShown = mine.values.withUnsafeBufferPointer { values in
          (0..<cpg).map { Montage.grays(UnsafeBufferPointer(rebasing: values[($0 * plane)..<(($0 + 1) * plane)]), mapping: mapping) }
        }
      } else {
        partialGraysShown = grays(mine, interior: interior, options: options)
      }
      stageGraysShown = grays(Tensor(channels: 2, height: h, width: w, values: sum + preActivation), interior: interior, options: options)
      mapGrays = map.withUnsafeBufferPointer { Montage.grays($0, mapping: run.maps[f].mapping) }
    }
    // The channels drawn: all, or the `maximumChannels` whose partial maps weigh most (mean |value|).
    var shown = Array(0..<cpg)
    let weight = partials.map { p in p.reduce(0.0) { $0 + Double(abs($1)) } }
    if let maximumChannels, cpg > maximumChannels {
      shown = Array(shown.sorted { weight[$0] > weight[$1] || (weight[$0] == weight[$1] && $0 < $1) }.prefix(maximumChannels)).sorted()
    }
    let hidden = (0..<cpg).filter { !shown.contains($0) }
    let inputTensor = Tensor(channels: cpg, height: run.input.height, width: run.input.width,
                             values: Array(run.input.values[(first * run.input.planeSize)..<((first + cpg) * run.input.planeSize)]))
    // Input planes as the main command maps them: the previous layer's maps over its interior (as
    // --all-layers writes them), the picture's planes whole.
    let inputInterior = run.index == 0 ? (0..<inputTensor.height, 0..<inputTensor.width) : run.run.interior(ofLayer: run.index - 1)
    let inputGrays = grays(inputTensor, interior: inputInterior, options: options)

    // Tiles at most tileSize on their longest side.
    let layoutOfMaps = MontageLayout(tileSize: tileSize)
    let inTile = layoutOfMaps.tile(width: run.input.width, height: run.input.height)
    let outTile = layoutOfMaps.tile(width: w, height: h)
    let kernelCell = max(4, min(18, 72 / max(conv.kernel.y, conv.kernel.x)))
    let kernelSize = (conv.kernel.x * kernelCell, conv.kernel.y * kernelCell)
    let rowHeight = max(inTile.height, outTile.height, kernelSize.1) + 34
    let (margin, gap) = (16, 46)
    let columnX = [margin, margin + inTile.width + gap, margin + inTile.width + gap + kernelSize.0 + gap]
    let stageX = columnX[2] + outTile.width + gap + 30
    let top = 76
    let rowsHeight = shown.count * rowHeight + (hidden.isEmpty ? 0 : 48)
    // As wide as the three stage tiles (or the scale bar's title), as high as the rows or the stage column
    // (tiles, the scale bar with its note, the kernel key), whichever is taller, and the pixel's line.
    let name = run.filterNames[f]
    let summed = cpg == 1 ? "one input channel: nothing is summed (a depthwise filter)" : "the \(cpg) partial maps are summed (not averaged)"
    let title = "\(run.bank.name), layer \(run.number), filter \(f) \"\(name)\": \(summed)"
    let titleWidth = Int(Canvas(width: 1, height: 1, background: .white).textWidth(title, bold: true, size: 13).rounded(.up))
    let width = max(max(stageX + 3 * outTile.width + 2 * gap, stageX + 440) + margin, titleWidth + 2 * margin)
    let stageTop = top + (rowsHeight - (hidden.isEmpty ? 0 : 48)) / 2 - rowHeight / 2
    let height = max(top + rowsHeight, stageTop + outTile.height + 44 + 60 + 34) + (pixel == nil ? 8 : 44)
    let canvas = Canvas(width: width, height: height, background: .white)
    var layout = Layout()
    layout.addedMapping = addedMapping
    canvas.text(title, x: Double(margin), y: 20, size: 13, color: .black, bold: true, maximumWidth: Double(width - 2 * margin))
    var how = "each input plane is correlated with its own kernel"
    if shown.count < cpg { how = "the \(shown.count) of \(cpg) input maps whose partial maps weigh most; " + how }
    canvas.text(how + "; then + bias \(TextTable.number(Double(conv.bias[f]))), then activation \(conv.activation.description)",
                x: Double(margin), y: 38, size: 11, color: .gray(70), maximumWidth: Double(width - 2 * margin))

    // Column headers: what each column is, and which gray scale it has.
    canvas.text("inputs (each its own gray scale)", x: Double(columnX[0]), y: 62, size: 10, color: .gray(60), maximumWidth: Double(inTile.width + gap - 4))
    canvas.text("kernels", x: Double(columnX[1]), y: 62, size: 10, color: .gray(60))
    canvas.text("partial maps", x: Double(columnX[2]), y: 62, size: 10, color: .gray(60))
    let kernelLimit = Double(conv.weights.map { abs($0) }.max() ?? 0)
    for (row, ci) in shown.enumerated() {
      let y = top + row * rowHeight
      let channel = run.inputNames[first + ci]
      // The input plane.
      let input = MontageTile(index: ci, name: channel, grays: inputGrays[ci], width: run.input.width, height: run.input.height, layout: layoutOfMaps)
      canvas.put(input.grays, width: input.width, height: input.height, x: columnX[0], y: y, gray: true)  // their own scales: gray
      layout.tiles["input:\(ci)"] = (columnX[0], y, input.width, input.height)
      canvas.text(channel, x: Double(columnX[0]), y: Double(y + input.height + 14), size: 11, color: .black,
                  maximumWidth: Double(inTile.width + gap - 4))
      // Its kernel.
      let ky0 = y + max(0, (input.height - kernelSize.1) / 2)
      for ky in 0..<conv.kernel.y {
        for kx in 0..<conv.kernel.x {
          let (wy, wx) = conv.flip ? (conv.kernel.y - 1 - ky, conv.kernel.x - 1 - kx) : (ky, kx)
          let v = Double(conv.weights[((f * cpg + ci) * conv.kernel.y + wy) * conv.kernel.x + wx])
          let color = DivergingColors.color(v, limit: kernelLimit)
          canvas.fill(x: columnX[1] + kx * kernelCell, y: ky0 + ky * kernelCell, width: kernelCell, height: kernelCell,
                      color: Canvas.Color(r: color.r, g: color.g, b: color.b))
        }
      }
      layout.tiles["kernel:\(ci)"] = (columnX[1], ky0, kernelSize.0, kernelSize.1)
      canvas.rectangle(x: Double(columnX[1]) - 0.5, y: Double(ky0) - 0.5, width: Double(kernelSize.0) + 1, height: Double(kernelSize.1) + 1, color: .gray(150))
      canvas.text("kernel for \(channel)", x: Double(columnX[1]), y: Double(ky0 + kernelSize.1 + 14), size: 10, color: .gray(60),
                  maximumWidth: Double(kernelSize.0 + gap - 6))
      let mid = Double(y + input.height / 2)
      canvas.line(from: Double(columnX[0] + input.width + 4), mid, to: Double(columnX[1] - 4), mid, color: .gray(90), arrow: true)
      canvas.line(from: Double(columnX[1] + kernelSize.0 + 4), mid, to: Double(columnX[2] - 4), mid, color: .gray(90), arrow: true)
      // The partial map.
      let partial = MontageTile(index: ci, name: channel, grays: partialGraysShown[ci], width: w, height: h, layout: layoutOfMaps)
      canvas.put(partial.grays, width: partial.width, height: partial.height, x: columnX[2], y: y, colors: colors)
      layout.tiles["partial:\(ci)"] = (columnX[2], y, partial.width, partial.height)
      canvas.text("partial map of \(channel)", x: Double(columnX[2]), y: Double(y + partial.height + 14), size: 10, color: .black,
                  maximumWidth: Double(outTile.width + gap + 20))
      if let pixel {
        canvas.text("at (\(pixel.x), \(pixel.y)): \(TextTable.number(pixel.channels[ci].sum))", x: Double(columnX[2]), y: Double(y + partial.height + 27),
                    size: 10, color: Canvas.Color(r: 180, g: 20, b: 20), maximumWidth: Double(outTile.width + gap + 20))
      }
      canvas.line(from: Double(columnX[2] + partial.width + 4), Double(y + partial.height / 2), to: Double(stageX - 8), Double(top + rowsHeight / 2 - rowHeight / 2 + outTile.height / 2),
                  color: .gray(120), lineWidth: 1, arrow: row == shown.count - 1)
      if let pixel {
        // The receptive field on the input plane, and the pixel on the partial map.
        let (sx, sy) = (Double(input.width) / Double(run.input.width), Double(input.height) / Double(run.input.height))
        let (r0, c0) = (pixel.rows.first!, pixel.columns.first!)
        canvas.rectangle(x: Double(columnX[0]) + Double(c0) * sx, y: Double(y) + Double(r0) * sy,
                         width: Double(pixel.columns.last! - c0 + 1) * sx, height: Double(pixel.rows.last! - r0 + 1) * sy, color: Canvas.Color(r: 255, g: 40, b: 40))
        let (px, py) = (Double(partial.width) / Double(w), Double(partial.height) / Double(h))
        canvas.rectangle(x: Double(columnX[2]) + Double(pixel.x) * px, y: Double(y) + Double(pixel.y) * py, width: max(px, 2), height: max(py, 2),
                         color: Canvas.Color(r: 255, g: 40, b: 40))
      }
    }
    // The input maps not drawn: how many, and how much of the sum they make.
    if !hidden.isEmpty {
      let total = weight.reduce(0, +)
      let share = total > 0 ? 100 * hidden.reduce(0.0) { $0 + weight[$1] } / total : 0
      var lines = ["+ \(hidden.count) more input maps, not drawn, summed all the same:",
                   "together \(String(format: "%.1f", share))% of the partial maps' mean |value|"]
      if let pixel { lines.append("at (\(pixel.x), \(pixel.y)) they add \(TextTable.number(hidden.reduce(0.0) { $0 + pixel.channels[$1].sum }))") }
      for (i, line) in lines.enumerated() {
        canvas.text(line, x: Double(columnX[0]), y: Double(top + shown.count * rowHeight + 4 + 15 * i), size: 11,
                    color: i == 2 ? Canvas.Color(r: 180, g: 20, b: 20) : .black, maximumWidth: Double(stageX - columnX[0] - 12))
      }
    }
    // Sum, + bias, activation: three tiles in a row.
    let stageY = stageTop
    // A constant tile says its value (a dead filter's map is one solid gray).
    let constant = map.first.flatMap { first in map.allSatisfy { $0 == first } ? first : nil }
    let captions = [cpg == 1 ? "(nothing to sum: one channel)" : "sum of the \(cpg) partial maps",
                    "+ bias \(TextTable.number(Double(conv.bias[f])))",
                    "activation \(conv.activation.description): " + (constant.map { "constant \(TextTable.number(Double($0)))" } ?? "the map")]
    let stageGraysAll = [stageGraysShown[0], stageGraysShown[1], mapGrays]
    for (i, key) in ["sum", "preactivation", "map"].enumerated() {
      let x = stageX + i * (outTile.width + gap)
      let tile = MontageTile(index: i, name: key, grays: stageGraysAll[i], width: w, height: h, layout: layoutOfMaps)
      canvas.put(tile.grays, width: tile.width, height: tile.height, x: x, y: stageY, colors: colors)
      layout.tiles[key] = (x, stageY, tile.width, tile.height)
      canvas.text(captions[i], x: Double(x), y: Double(stageY + tile.height + 14), size: 10, color: .black, maximumWidth: Double(outTile.width + gap - 6))
      if i < 2 {
        canvas.line(from: Double(x + tile.width + 4), Double(stageY + tile.height / 2), to: Double(x + tile.width + gap - 4), Double(stageY + tile.height / 2),
                    color: .gray(90), arrow: true)
      }
    }
    // What the grays mean: the one scale of the added tiles (a bar with its numbers), or a note that each
    // tile has its own; and the kernels' colours.
    let barY = stageY + outTile.height + 44
    if let addedMapping {
      drawScaleBar(canvas, mapping: addedMapping, colors: colors, x: stageX, y: barY, width: min(3 * outTile.width + 2 * gap, 300),
                   title: "one gray scale from the partial maps to the map (equal values, equal grays)",
                   room: 3 * outTile.width + 2 * gap)
      if let clippedBeyond {
        canvas.text("the 0.5% largest magnitudes, beyond \(TextTable.number(clippedBeyond)), are drawn as the ends",
                    x: Double(stageX), y: Double(barY + 44), size: 10, color: .gray(60), maximumWidth: Double(3 * outTile.width + 2 * gap))
      }
    } else {
      canvas.text("each tile has its own gray scale (--figure-scale per-tile): compare shapes, not brightness",
                  x: Double(stageX), y: Double(barY), size: 10, color: .gray(60), maximumWidth: Double(3 * (outTile.width + gap)))
    }
    drawKernelKey(canvas, limit: kernelLimit, x: stageX, y: barY + 60)
    if let pixel {
      canvas.text("at (\(pixel.x), \(pixel.y)): sum \(TextTable.number(pixel.sum)) + bias \(TextTable.number(Double(pixel.bias))) = \(TextTable.number(Double(pixel.preActivation))); "
                  + "\(pixel.activation) -> \(TextTable.number(Double(pixel.value))), gray \(pixel.gray) of \(pixel.mapping.maximumGray) in the map's PNG",
                  x: Double(margin), y: Double(height - 24), size: 11, color: Canvas.Color(r: 180, g: 20, b: 20))
    }
    return (canvas, layout)
  }

  /// The one mapping of the tiles where values are added, and the magnitude beyond which values are drawn
  /// as the ends (nil: none is). Under `auto` (the default) its ends are the 99.5th percentile of the
  /// magnitudes, not the largest: a few extreme pixels (a trained layer's borders and highlights) would
  /// otherwise leave every tile flat gray. Any other --normalize is taken as asked, --scale shared over
  /// these tiles.
  static func addedScale(_ added: Tensor, interior: (rows: Range<Int>, columns: Range<Int>), options: OutputOptions) -> (GrayMapping, Double?) {
    var shared = options
    shared.sharedScale = true
    if case .auto = options.normalize { shared.normalize = .percentile(0.5) }
    let chosen = added.values.withUnsafeBufferPointer {
      shared.scaling.choose(maps: $0, count: added.channels, height: added.height, width: added.width, interior: interior, threads: options.threads)
    }
    let mapping = chosen[0].mapping
    guard case .auto = options.normalize else { return (mapping, nil) }
    let (low, high) = (mapping.offset, mapping.offset + mapping.scale * Double(mapping.maximumGray))
    let limit = max(Swift.abs(low), Swift.abs(high))
    let negative = chosen.contains { $0.statistics.minimum < 0 }
    let largest = chosen.map { max(Swift.abs($0.statistics.minimum), Swift.abs($0.statistics.maximum)) }.max() ?? 0
    let symmetric = GrayMapping.choose(.auto, stats: MapStatistics(minimum: negative ? -limit : 0, maximum: limit, mean: 0, standardDeviation: 0, count: 1),
                                       percentiles: nil, maximumGray: mapping.maximumGray)
    return (symmetric, largest > limit ? limit : nil)
  }

  /// A gray ramp from black to white with the values its ends and middle stand for.
  static func drawScaleBar(_ canvas: Canvas, mapping: GrayMapping, colors: ColorMap, x: Int, y: Int, width: Int, title: String, room: Int) {
    canvas.text(title, x: Double(x), y: Double(y), size: 10, color: .black, maximumWidth: Double(max(width, room)))
    let ramp = (0..<width).map { UInt8((255 * $0 + (width - 1) / 2) / max(width - 1, 1)) }
    let rows = [UInt8](repeating: 0, count: width * 12).enumerated().map { ramp[$0.offset % width] }
    canvas.put(rows, width: width, height: 12, x: x, y: y + 6, colors: colors)
    canvas.rectangle(x: Double(x) - 0.5, y: Double(y + 6) - 0.5, width: Double(width) + 1, height: 13, color: .gray(120))
    let value = { (gray: Double) in mapping.offset + mapping.scale * gray }
    let magnitude = mapping.ofMagnitude ? "|value| " : ""
    canvas.text(magnitude + TextTable.number(value(0)), x: Double(x), y: Double(y + 30), size: 10, color: .black)
    canvas.text(TextTable.number(value(Double(mapping.maximumGray) / 2)), x: Double(x + width / 2), y: Double(y + 30), size: 10, color: .black,
                alignment: .center)
    canvas.text(TextTable.number(value(Double(mapping.maximumGray))), x: Double(x + width), y: Double(y + 30), size: 10, color: .black,
                alignment: .right)
  }

  /// The kernels' colours: blue for negative weights, white for zero, red for positive, up to the layer's
  /// largest magnitude.
  static func drawKernelKey(_ canvas: Canvas, limit: Double, x: Int, y: Int) {
    let width = 120
    canvas.text("kernel weights:", x: Double(x), y: Double(y + 10), size: 10, color: .black)
    let left = x + 92
    for i in 0..<width {
      let c = DivergingColors.color(limit * (2 * Double(i) / Double(width - 1) - 1), limit: limit)
      canvas.fill(x: left + i, y: y, width: 1, height: 12, color: Canvas.Color(r: c.r, g: c.g, b: c.b))
    }
    canvas.text(TextTable.number(-limit), x: Double(left), y: Double(y + 24), size: 10, color: .black)
    canvas.text("0", x: Double(left + width / 2), y: Double(y + 24), size: 10, color: .black, alignment: .center)
    canvas.text(TextTable.number(limit), x: Double(left + width), y: Double(y + 24), size: 10, color: .black, alignment: .right)
  }
}
