import Basics
import Foundation
import MapWriting
import Normalization

/// How a montage is laid out, as torchvision's `make_grid`: `nrow` tiles per row (nil: a near-square grid),
/// `padding` pixels around every tile in `padValue` gray, tiles no larger than `tileSize` on their longest
/// side (larger maps are scaled down by area averaging). Under each row of tiles, a band for their labels.
public struct MontageLayout: Sendable, Equatable {
  public var nrow: Int?
  public var padding = 2
  public var padValue: UInt8 = 0
  public var tileSize = 256
  /// How the tiles' gray levels are coloured.
  public var colors = ColorMap.gray

  public init(nrow: Int? = nil, padding: Int = 2, padValue: UInt8 = 0, tileSize: Int = 256) {
    self.nrow = nrow
    self.padding = padding
    self.padValue = padValue
    self.tileSize = tileSize
  }

  /// The height of the band under each row of tiles, for a line of text.
  public static let labelBand = 16

  /// The size a map of `width` x `height` is drawn at.
  public func tile(width: Int, height: Int) -> (width: Int, height: Int) {
    let longest = max(width, height)
    guard longest > tileSize else { return (width, height) }
    let factor = Double(tileSize) / Double(longest)
    return (max(1, Int((Double(width) * factor).rounded())), max(1, Int((Double(height) * factor).rounded())))
  }

  /// Tiles per row and rows, for `count` tiles.
  public func grid(_ count: Int) -> (columns: Int, rows: Int) {
    let columns = max(1, min(nrow ?? Int(Double(count).squareRoot().rounded(.up)), count))
    return (columns, (count + columns - 1) / columns)
  }

  /// The montage's size: `rows * (H + band + P) + P` by `columns * (W + P) + P`.
  public func size(count: Int, tile: (width: Int, height: Int)) -> (width: Int, height: Int) {
    let (columns, rows) = grid(count)
    return (columns * (tile.width + padding) + padding, rows * (tile.height + Self.labelBand + padding) + padding)
  }

  /// Where tile `i` goes (its top-left corner).
  public func origin(_ i: Int, count: Int, tile: (width: Int, height: Int)) -> (x: Int, y: Int) {
    let columns = grid(count).columns
    return (i % columns * (tile.width + padding) + padding, i / columns * (tile.height + Self.labelBand + padding) + padding)
  }
}

/// One map as a montage tile: its label and its 8-bit gray levels at the tile's size.
public struct MontageTile: Sendable {
  public var index: Int
  public var name: String
  public var width: Int
  public var height: Int
  public var grays: [UInt8]
  /// The map's one value when it is constant (a solid tile, black or white, would look like a missing one).
  public var constant: Double?
  /// The map's layer, shown when a montage holds maps of several layers (`--all-layers`).
  public var layer: Int?

  /// A tile from gray levels at the map's size, scaled down to `layout`'s tile size; `statistics` mark a
  /// constant map.
  public init(index: Int, name: String, grays: [UInt8], width: Int, height: Int, layout: MontageLayout, statistics: MapStatistics? = nil) {
    let size = layout.tile(width: width, height: height)
    self.index = index
    self.name = name
    if let statistics, statistics.count > 0, statistics.minimum == statistics.maximum { constant = statistics.minimum }
    self.width = size.width
    self.height = size.height
    self.grays = AreaResampling.scale(grays, width: width, height: height, to: size.width, size.height)
  }
}

public enum Montage {
  /// Every tile in order in a grid, labelled `INDEX NAME`, written to `path` as an RGB PNG.
  public static func write(_ tiles: [MontageTile], layout: MontageLayout, to path: String) throws(OutputError) {
    try draw(tiles, layout: layout).write(to: path)
  }

  static func draw(_ tiles: [MontageTile], layout: MontageLayout) -> Canvas {
    let tile = (tiles.map(\.width).max() ?? 1, tiles.map(\.height).max() ?? 1)
    let size = layout.size(count: tiles.count, tile: tile)
    // In colour, a key under the tiles: what the colours stand for (each map has its own range).
    let key = layout.colors == .gray ? 0 : 40
    let canvas = Canvas(width: max(size.width, key > 0 ? 376 : 0), height: size.height + key, background: .gray(layout.padValue))
    let ink: Canvas.Color = layout.padValue < 128 ? .white : .black
    for (i, t) in tiles.enumerated() {
      let (x, y) = layout.origin(i, count: tiles.count, tile: tile)
      canvas.put(t.grays, width: t.width, height: t.height, x: x, y: y, colors: layout.colors)
      canvas.text(label(t), x: Double(x) + Double(tile.0) / 2, y: Double(y + tile.1 + MontageLayout.labelBand - 4),
                  size: 11, color: ink, alignment: .center, maximumWidth: Double(tile.0))
      if let mark = mark(t) {
        // On the tile itself, in the ink that shows on it: a solid tile would otherwise look missing.
        let shade = Int(t.grays.first ?? 0)
        canvas.text(mark, x: Double(x) + Double(t.width) / 2, y: Double(y) + Double(t.height) / 2 + 4, size: 11,
                    color: shade < 128 ? Canvas.Color(r: 255, g: 200, b: 60) : Canvas.Color(r: 150, g: 30, b: 10), alignment: .center,
                    maximumWidth: Double(t.width))
      }
    }
    if key > 0 { drawKey(canvas, colors: layout.colors, y: size.height + 4, ink: ink) }
    return canvas
  }

  /// The colour map from gray level 0 to 255, and what they are: each map's own lowest and highest values
  /// (zero in the middle for signed maps under auto and symmetric).
  static func drawKey(_ canvas: Canvas, colors: ColorMap, y: Int, ink: Canvas.Color) {
    let width = 360
    canvas.put((0..<(width * 10)).map { UInt8(255 * ($0 % width) / (width - 1)) }, width: width, height: 10, x: 8, y: y, colors: colors)
    canvas.text("each map's lowest", x: 8, y: Double(y + 24), size: 10, color: ink)
    canvas.text("0 (signed maps)", x: Double(8 + width / 2), y: Double(y + 24), size: 10, color: ink, alignment: .center)
    canvas.text("highest", x: Double(8 + width), y: Double(y + 24), size: 10, color: ink, alignment: .right)
  }

  /// The label under a tile: its number (in its layer) and its filter's name; `L2:` before them when the
  /// montage holds several layers (a pooling layer's maps keep the names of the maps it pools).
  static func label(_ tile: MontageTile) -> String { (tile.layer.map { "L\($0):" } ?? "") + "\(tile.index) \(tile.name)" }

  /// Tiles as a montage labels them: numbered within their layer, with the layer when there are several.
  public static func labelled(_ tiles: [MontageTile], layers: [Int]) -> [MontageTile] {
    let several = Set(layers).count > 1
    var first: [Int: Int] = [:]
    return zip(tiles, layers).map { tile, layer in
      var t = tile
      let start = first[layer] ?? tile.index
      first[layer] = start
      t.index = tile.index - start
      t.layer = several ? layer : nil
      return t
    }
  }

  /// What a constant map's tile says on it: "constant 0" (a dead filter after ReLU), "constant 0.0083".
  static func mark(_ tile: MontageTile) -> String? { tile.constant.map { "constant \(Self.number($0))" } }

  /// A value in a label: 0, 0.0083, -1.5e+03.
  static func number(_ v: Double) -> String {
    v == 0 ? "0" : String(format: "%.3g", v)
  }

  /// The 8-bit gray levels of a map of values under its mapping (a 16-bit mapping rescaled to 255 levels).
  public static func grays(_ values: UnsafeBufferPointer<Float>, mapping: GrayMapping) -> [UInt8] {
    var eight = mapping
    if mapping.maximumGray != 255 {
      eight.scale = mapping.scale * Double(mapping.maximumGray) / 255
      eight.maximumGray = 255
    }
    var grays = [UInt8](repeating: 0, count: values.count)
    grays.withUnsafeMutableBufferPointer { eight.quantize(values.baseAddress!, count: values.count, into: $0.baseAddress!) }
    return grays
  }
}

/// `--montage`: every map of the picture into `montage.png` beside them, in bank order.
public final class MontageSink: MapSink, @unchecked Sendable {
  public static let fileName = "montage.png"
  let context: PictureContext
  let layout: MontageLayout
  private let lock = NSLock()
  private var tiles: [Int: MontageTile] = [:]

  public init(context: PictureContext, layout: MontageLayout) {
    self.context = context
    self.layout = layout
  }

  /// The montage shows the maps; the partial maps are files beside them (given to it, they would replace
  /// the maps' tiles: their indices start at 0 too).
  public var takesPartialMaps: Bool { false }

  public func accept(_ map: MapEntry, values: UnsafeBufferPointer<Float>) throws(OutputError) {
    let tile = MontageTile(index: map.index, name: map.filter, grays: Montage.grays(values, mapping: map.mapping),
                           width: map.width, height: map.height, layout: layout, statistics: map.statistics)
    lock.withLock { tiles[map.index] = tile }
  }

  public func finish(_ maps: [MapEntry]) throws(OutputError) {
    let kept = maps.filter { tiles[$0.index] != nil }
    let ordered = Montage.labelled(kept.map { tiles[$0.index]! }, layers: kept.map(\.layer))
    try Montage.write(ordered, layout: layout, to: context.folder.path(of: Self.fileName))
  }
}
