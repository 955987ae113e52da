import Basics
import ConvEngine
import Foundation

/// Pictures of a conv layer's kernels.
public enum KernelPicture {
  /// How a diverging kernel picture is laid out, for tests: where the square of weight (f, c, ky, kx) is.
  public struct Layout: Sendable {
    public var cell: Int
    public var left: Int
    public var top: Int
    public var tileWidth: Int
    public var tileHeight: Int
    public var gap: Int
    public var rowGap: Int
    public var limit: Double
    /// The size the weights' numbers are printed at, or nil when none are (kernels larger than 5x5, or
    /// more than 256 of them).
    public var numberSize: Double?

    /// The centre of the square of weight (filter f, channel c, ky, kx).
    public func center(filter f: Int, channel c: Int, ky: Int, kx: Int) -> (x: Int, y: Int) {
      (left + c * (tileWidth + gap) + kx * cell + cell / 2, top + f * (tileHeight + rowGap) + ky * cell + cell / 2)
    }
  }

  /// Each filter a row, each input channel a tile, each weight a square of `cell` pixels in the diverging
  /// colour map (the same scale for the whole layer, zero at its centre), a colour bar with the range, and
  /// each weight's number in its square when the kernels are at most 5x5 (and the layer not too large).
  /// Cells shrink (down to 2 pixels, numbers dropped) to keep the picture within `maximumPixels`.
  public static func diverging(_ conv: ConvLayer, filters: [String], channels: [String], title: String,
                               maximumPixels: Int = 16_000_000, to path: String) throws(OutputError) -> Layout {
    let (canvas, layout) = drawDiverging(conv, filters: filters, channels: channels, title: title, maximumPixels: maximumPixels)
    try canvas.write(to: path)
    return layout
  }

  static func drawDiverging(_ conv: ConvLayer, filters: [String], channels: [String], title: String,
                            maximumPixels: Int = 16_000_000) -> (Canvas, Layout) {
    let (kh, kw, cpg) = (conv.kernel.y, conv.kernel.x, conv.channelsPerGroup)
    var numbers = max(kh, kw) <= 5 && conv.filterCount * cpg <= 256
    var cell = numbers ? 28 : max(3, min(16, 64 / max(kh, kw)))
    // The tiles' area alone, which the labels only add to.
    while cell > 2 && conv.filterCount * (kh * cell + 8) * cpg * (kw * cell + 6) > maximumPixels {
      cell -= 1
      numbers = false
    }
    let limit = Double(conv.weights.map { abs($0) }.max() ?? 0)
    let measure = Canvas(width: 1, height: 1, background: .white)
    // At 8 points when every number fits its square with room to spare, else at 7, where `short`'s six
    // characters at most ("-0.012", "-1e-05") fit the 28-pixel squares that numbers come with.
    var numberSize: Double?
    if numbers {
      let texts = Set(conv.weights.map { Self.short(Double($0)) })
      numberSize = texts.allSatisfy({ measure.textWidth($0, size: 8) <= Double(cell - 4) }) ? 8 : 7
    }
    let labelWidth = Int((filters.map { measure.textWidth($0, size: 11) }.max() ?? 0).rounded(.up)) + 12
    let (tileWidth, tileHeight, gap, rowGap) = (kw * cell, kh * cell, 6, 8)
    let top = 58  // the column headers sit below the subtitle, not on it
    let layout = Layout(cell: cell, left: labelWidth, top: top, tileWidth: tileWidth, tileHeight: tileHeight, gap: gap, rowGap: rowGap,
                        limit: limit, numberSize: numberSize)
    let width = max(labelWidth + cpg * (tileWidth + gap) + 10, 360)
    let height = top + conv.filterCount * (tileHeight + rowGap) + 60
    let canvas = Canvas(width: width, height: height, background: .white)
    canvas.text(title, x: 8, y: 16, size: 12, color: .black, bold: true, maximumWidth: Double(width - 16))
    let channelNote = conv.groups == 1 ? "columns: input channels" : "columns: the input channels of each filter's group"
    canvas.text("rows: filters; \(channelNote); \(kh)x\(kw) kernels", x: 8, y: 32, size: 10, color: .gray(80),
                maximumWidth: Double(width - 16))
    for c in 0..<cpg where conv.groups == 1 {
      canvas.text(channels[c], x: Double(labelWidth + c * (tileWidth + gap) + tileWidth / 2), y: Double(top - 4), size: 10,
                  color: .black, alignment: .center, maximumWidth: Double(tileWidth))
    }
    for f in 0..<conv.filterCount {
      let y = top + f * (tileHeight + rowGap)
      canvas.text(filters[f], x: Double(labelWidth - 6), y: Double(y + tileHeight / 2 + 4), size: 11, color: .black, alignment: .right)
      for c in 0..<cpg {
        let x = labelWidth + c * (tileWidth + gap)
        for ky in 0..<kh {
          for kx in 0..<kw {
            let w = Double(conv.weights[((f * cpg + c) * kh + ky) * kw + kx])
            let color = DivergingColors.color(w, limit: limit)
            canvas.fill(x: x + kx * cell, y: y + ky * cell, width: cell, height: cell, color: Canvas.Color(r: color.r, g: color.g, b: color.b))
            if let numberSize {
              let light = 0.299 * Double(color.r) + 0.587 * Double(color.g) + 0.114 * Double(color.b) > 140
              canvas.text(Self.short(w), x: Double(x + kx * cell + cell / 2), y: Double(y + ky * cell + cell / 2 + 3), size: numberSize,
                          color: light ? .black : .white, alignment: .center, maximumWidth: Double(cell - 2))
            }
          }
        }
        canvas.rectangle(x: Double(x) - 0.5, y: Double(y) - 0.5, width: Double(tileWidth) + 1, height: Double(tileHeight) + 1, color: .gray(160))
      }
    }
    // The colour bar: -limit ... 0 ... +limit.
    let barY = height - 40
    let barWidth = 256
    for i in 0..<barWidth {
      let color = DivergingColors.color((Double(i) / Double(barWidth - 1) * 2 - 1) * limit, limit: limit)
      canvas.fill(x: 8 + i, y: barY, width: 1, height: 12, color: Canvas.Color(r: color.r, g: color.g, b: color.b))
    }
    canvas.rectangle(x: 7.5, y: Double(barY) - 0.5, width: Double(barWidth) + 1, height: 13, color: .gray(120))
    canvas.text(Self.short(-limit), x: 8, y: Double(barY + 26), size: 10, color: .black)
    canvas.text("0", x: Double(8 + barWidth / 2), y: Double(barY + 26), size: 10, color: .black, alignment: .center)
    canvas.text(Self.short(limit), x: Double(8 + barWidth), y: Double(barY + 26), size: 10, color: .black, alignment: .right)
    return (canvas, layout)
  }

  /// Each filter of a first layer on R, G and B as one colour image: its three kernels as the red, green
  /// and blue of each pixel, scaled together around mid gray (128 + 127 x w / max |w| of the filter), each
  /// weight a square; the classic picture of a trained conv1. `order` maps picture colours to the layer's
  /// input channels (for a B, G, R input, red shows the kernel on R, which is channel 2).
  public static func rgb(_ conv: ConvLayer, filters: [String], order: (r: Int, g: Int, b: Int), title: String,
                         to path: String) throws(OutputError) {
    try drawRGB(conv, filters: filters, order: order, title: title).write(to: path)
  }

  static func drawRGB(_ conv: ConvLayer, filters: [String], order: (r: Int, g: Int, b: Int), title: String) -> Canvas {
    let (kh, kw) = (conv.kernel.y, conv.kernel.x)
    let cell = max(4, min(24, 72 / max(kh, kw)))
    let (tileWidth, tileHeight) = (kw * cell, kh * cell)
    let columns = max(1, Int(Double(conv.filterCount).squareRoot().rounded(.up)))
    let rows = (conv.filterCount + columns - 1) / columns
    let (gap, band, top) = (6, 14, 26)
    let canvas = Canvas(width: max(columns * (tileWidth + gap) + gap, 300), height: top + rows * (tileHeight + band + gap) + gap, background: .white)
    canvas.text(title, x: 8, y: 16, size: 12, color: .black, bold: true, maximumWidth: Double(canvas.width - 16))
    for f in 0..<conv.filterCount {
      let base = f * 3 * kh * kw
      let filter = conv.weights[base..<base + 3 * kh * kw]
      let limit = Double(filter.map { abs($0) }.max() ?? 0)
      var pixels = [UInt8](repeating: 0, count: tileWidth * tileHeight * 3)
      for y in 0..<tileHeight {
        for x in 0..<tileWidth {
          let (ky, kx) = (y / cell, x / cell)
          for (slot, channel) in [order.r, order.g, order.b].enumerated() {
            let w = Double(conv.weights[base + (channel * kh + ky) * kw + kx])
            pixels[(y * tileWidth + x) * 3 + slot] = UInt8((128 + 127 * (limit > 0 ? w / limit : 0)).rounded())
          }
        }
      }
      let (x, y) = (gap + f % columns * (tileWidth + gap), top + f / columns * (tileHeight + band + gap))
      canvas.put(pixels, width: tileWidth, height: tileHeight, x: x, y: y, gray: false)
      // A frame, so that a kernel of one value (all white or all gray) is still seen as a tile.
      canvas.rectangle(x: Double(x) - 0.5, y: Double(y) - 0.5, width: Double(tileWidth) + 1, height: Double(tileHeight) + 1, color: .gray(190))
      canvas.text(filters[f], x: Double(x + tileWidth / 2), y: Double(y + tileHeight + band - 3), size: 9, color: .gray(60),
                  alignment: .center, maximumWidth: Double(tileWidth))
    }
    return canvas
  }

  /// Where R, G and B are among a layer's input channels, when they are exactly those three (`rgb`'s order).
  public static func rgbOrder(_ channels: [String]) -> (r: Int, g: Int, b: Int)? {
    guard channels.count == 3, Set(channels) == ["R", "G", "B"] else { return nil }
    return (channels.firstIndex(of: "R")!, channels.firstIndex(of: "G")!, channels.firstIndex(of: "B")!)
  }

  /// A weight in at most 5 characters: 0.25, -1.5, 3e-03.
  static func short(_ v: Double) -> String {
    if v == 0 { return "0" }
    if v == v.rounded() && abs(v) < 1000 { return String(Int(v)) }
    if abs(v) >= 0.01 && abs(v) < 100 { return String(format: "%.2g", v) }
    return String(format: "%.0e", v)
  }
}
