import Foundation

/// Numbers and aligned tables for terminal output at most `width` columns wide.
public enum TextTable {
  public static let width = 100

  /// A number in at most 10 characters: whole numbers as such, else 4 decimals, or 3 significant digits in
  /// scientific notation when very small or large.
  public static func number(_ value: Double) -> String {
    if value == 0 { return "0" }
    if value == value.rounded(), abs(value) < 1e6 { return String(Int64(value)) }
    if abs(value) >= 1e5 || abs(value) < 1e-3 { return String(format: "%.3e", value) }
    return String(format: "%.4f", value)
  }

  /// Rows of cells right-aligned in columns two spaces apart; when wider than `limit`, the middle columns
  /// are replaced by one "..." column. Returns the lines and how many columns were left out.
  static func lines(_ cells: [[String]], limit: Int) -> (lines: [String], elided: Int) {
    guard let columns = cells.first?.count, columns > 0 else { return ([], 0) }
    var widths = (0..<columns).map { c in cells.map { $0[c].count }.max() ?? 0 }
    var keep = Array(0..<columns)
    var elided = 0
    func total() -> Int { keep.reduce(0) { $0 + ($1 < 0 ? 3 : widths[$1]) } + 2 * (keep.count - 1) }
    while total() > limit && keep.filter({ $0 >= 0 }).count > 2 {
      // Drop the middle column, marking the gap once.
      let real = keep.filter { $0 >= 0 }
      let middle = real[real.count / 2]
      keep.removeAll { $0 == middle }
      elided += 1
      if !keep.contains(-1) {
        let at = keep.firstIndex { $0 > middle } ?? keep.count
        keep.insert(-1, at: at)
      }
    }
    widths.append(3)
    let lines = cells.map { row in
      keep.map { c in c < 0 ? "..." : String(repeating: " ", count: widths[c] - row[c].count) + row[c] }.joined(separator: "  ")
    }
    return (lines, elided)
  }
}
