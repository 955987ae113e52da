import Basics
import CLibCairo
import Foundation

/// An RGB picture to draw figures on: the only place featuremaps calls Cairo. Gray tiles are copied pixel
/// for pixel (a map's gray levels stay exactly what they are); lines, boxes and text are drawn by Cairo,
/// text in DejaVu Sans found through fontconfig.
final class Canvas {
  let width: Int
  let height: Int
  private let surface: OpaquePointer
  private let cairo: OpaquePointer

  /// An RGB colour, 0...255 each.
  struct Color: Equatable {
    var r: UInt8
    var g: UInt8
    var b: UInt8
    static func gray(_ v: UInt8) -> Color { Color(r: v, g: v, b: v) }
    static let black = Color.gray(0)
    static let white = Color.gray(255)
  }

  /// Texts that did not fit where they were drawn (past their width, or past the picture's edge): for the
  /// tests, which draw every kind of figure and expect none.
  private(set) var overflows: [String] = []

  init(width: Int, height: Int, background: Color) {
    self.width = max(1, width)
    self.height = max(1, height)
    surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(self.width), Int32(self.height))
    cairo = cairo_create(surface)
    fill(x: 0, y: 0, width: self.width, height: self.height, color: background)
  }

  deinit {
    cairo_destroy(cairo)
    cairo_surface_destroy(surface)
  }

  private func use(_ color: Color) {
    cairo_set_source_rgb(cairo, Double(color.r) / 255, Double(color.g) / 255, Double(color.b) / 255)
  }

  func fill(x: Int, y: Int, width: Int, height: Int, color: Color) {
    use(color)
    cairo_rectangle(cairo, Double(x), Double(y), Double(width), Double(height))
    cairo_fill(cairo)
  }

  /// Copies `pixels` (`height` rows of `width` RGB triples, or of gray levels when `gray`) to (x, y), exactly.
  func put(_ pixels: [UInt8], width w: Int, height h: Int, x: Int, y: Int, gray: Bool) {
    cairo_surface_flush(surface)
    let stride = Int(cairo_image_surface_get_stride(surface))
    guard let data = cairo_image_surface_get_data(surface) else { return }
    for row in 0..<h where y + row >= 0 && y + row < height {
      for column in 0..<w where x + column >= 0 && x + column < width {
        let (r, g, b) = gray ? (pixels[row * w + column], pixels[row * w + column], pixels[row * w + column])
          : (pixels[(row * w + column) * 3], pixels[(row * w + column) * 3 + 1], pixels[(row * w + column) * 3 + 2])
        // RGB24 is one native-endian 32-bit word per pixel: 0x00RRGGBB.
        let word = UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)
        (data + (y + row) * stride + (x + column) * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee = word }
      }
    }
    cairo_surface_mark_dirty(surface)
  }

  /// The colour of one pixel, for tests.
  func pixel(x: Int, y: Int) -> Color {
    cairo_surface_flush(surface)
    let stride = Int(cairo_image_surface_get_stride(surface))
    let word = (cairo_image_surface_get_data(surface)! + y * stride + x * 4).withMemoryRebound(to: UInt32.self, capacity: 1) { $0.pointee }
    return Color(r: UInt8(word >> 16 & 0xFF), g: UInt8(word >> 8 & 0xFF), b: UInt8(word & 0xFF))
  }

  func rectangle(x: Double, y: Double, width: Double, height: Double, color: Color, lineWidth: Double = 1) {
    use(color)
    cairo_set_line_width(cairo, lineWidth)
    cairo_rectangle(cairo, x, y, width, height)
    cairo_stroke(cairo)
  }

  /// A line from (x0, y0) to (x1, y1), with an arrowhead at its end when `arrow`.
  func line(from x0: Double, _ y0: Double, to x1: Double, _ y1: Double, color: Color, lineWidth: Double = 1.5, arrow: Bool = false) {
    use(color)
    cairo_set_line_width(cairo, lineWidth)
    cairo_move_to(cairo, x0, y0)
    cairo_line_to(cairo, x1, y1)
    cairo_stroke(cairo)
    guard arrow else { return }
    let angle = atan2(y1 - y0, x1 - x0)
    let size = 4 + 2 * lineWidth
    cairo_move_to(cairo, x1, y1)
    cairo_line_to(cairo, x1 - size * cos(angle - 0.45), y1 - size * sin(angle - 0.45))
    cairo_line_to(cairo, x1 - size * cos(angle + 0.45), y1 - size * sin(angle + 0.45))
    cairo_close_path(cairo)
    cairo_fill(cairo)
  }

  enum Alignment { case left, center, right }

  /// Text with its baseline at `y`; when it is wider than `maximumWidth`, shortened in the middle with an
  /// ellipsis (`fitted`), so that its start and its end (a filter's index) stay, and clipped to the width.
  func text(_ string: String, x: Double, y: Double, size: Double, color: Color, alignment: Alignment = .left, bold: Bool = false,
            maximumWidth: Double? = nil) {
    cairo_save(cairo)
    cairo_select_font_face(cairo, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
    cairo_set_font_size(cairo, size)
    let string = maximumWidth.map { fitted(string, width: $0) } ?? string
    let width = textWidth(string)
    defer {
      if let maximumWidth, width > maximumWidth + 0.5 { overflows.append("'\(string)' is \(Int(width)) wide in \(Int(maximumWidth))") }
    }
    var left = x
    switch alignment {
    case .left: break
    case .center: left = x - width / 2
    case .right: left = x - width
    }
    if let maximumWidth {
      let clipLeft = alignment == .center ? x - maximumWidth / 2 : (alignment == .right ? x - maximumWidth : x)
      cairo_rectangle(cairo, clipLeft, y - size * 1.2, maximumWidth, size * 1.6)
      cairo_clip(cairo)
      if width > maximumWidth { left = clipLeft }
    }
    if left < -0.5 || left + width > Double(self.width) + 0.5 || y - size < -0.5 || y > Double(height) + 0.5 {
      overflows.append("'\(string)' at \(Int(left)),\(Int(y)) runs past the \(self.width)x\(height) picture")
    }
    use(color)
    cairo_move_to(cairo, left, y)
    cairo_show_text(cairo, string)
    cairo_restore(cairo)
  }

  /// `string`, or the longest form of it that fits `width` in the current font: characters taken out of
  /// the middle (a third from the end, two thirds from the start) and replaced by "…".
  func fitted(_ string: String, width: Double) -> String {
    guard textWidth(string) > width else { return string }
    let characters = Array(string)
    var keep = characters.count - 1
    while keep > 0 {
      let tail = keep / 3
      let candidate = String(characters[..<(keep - tail)]) + "…" + String(characters[(characters.count - tail)...])
      if textWidth(candidate) <= width { return candidate }
      keep -= 1
    }
    return "…"
  }

  /// The advance width of `string` in the current font (call inside `text`'s setup, or after setting a size).
  func textWidth(_ string: String, bold: Bool = false, size: Double? = nil) -> Double {
    if let size {
      cairo_select_font_face(cairo, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
      cairo_set_font_size(cairo, size)
    }
    var extents = cairo_text_extents_t()
    cairo_text_extents(cairo, string, &extents)
    return extents.x_advance
  }

  /// Writes the picture as an RGB PNG, atomically (a temporary name, renamed when complete).
  func write(to path: String) throws(OutputError) {
    let file = AtomicFile(finalPath: path)
    cairo_surface_flush(surface)
    let status = cairo_surface_write_to_png(surface, file.temporaryPath)
    guard status == CAIRO_STATUS_SUCCESS else {
      file.discard()
      throw OutputError(path: path, reason: "cannot write: \(String(cString: cairo_status_to_string(status)))")
    }
    try file.commit()
  }
}
