import Foundation
import Normalization

extension ExplainedPixel {
  /// Aligned tables for a terminal 100 columns wide: for each input channel the patch (padded positions
  /// marked *), the kernel and the products, with their sum; then the sum over channels, the bias, the
  /// activation and the gray level.
  public var text: String {
    var out: [String] = []
    out.append("layer \(layer), filter \(filterIndex) \"\(filter)\", output pixel x \(x), y \(y) of its \(outputWidth)x\(outputHeight) map")
    out.append("stride \(stride), dilation \(dilation), padding top \(padding.top), left \(padding.left), bottom \(padding.bottom), right \(padding.right) (\(paddingMode.rawValue))")
    out.append("it reads input rows \(Self.span(rows)), columns \(Self.span(columns)) of the \(inputWidth)x\(inputHeight) input")
    var anyPadding = false
    for channel in channels {
      out.append("")
      out.append("channel \(channel.name) (input channel \(channel.index))")
      let patch = channel.patch.enumerated().map { r, row in
        row.enumerated().map { c, v in TextTable.number(Double(v)) + (channel.padded[r][c] ? "*" : "") }
      }
      anyPadding = anyPadding || channel.padded.joined().contains(true)
      let kernel = channel.kernel.map { $0.map { TextTable.number(Double($0)) } }
      let products = channel.products.map { $0.map(TextTable.number) }
      out += Self.tables([("input patch", patch), ("kernel (as applied)", kernel), ("products", products)])
      out.append("  sum of \(channel.name)'s products = \(TextTable.number(channel.sum))")
    }
    out.append("")
    if anyPadding { out.append("* padding: the value the padding mode (\(paddingMode.rawValue)) puts there") }
    let summed = channels.count == 1
      ? "one channel: nothing to sum (a depthwise filter)" : "the \(channels.count) channels' sums added: summed, not averaged"
    out.append("sum over channels = \(TextTable.number(sum))   (\(summed))")
    out.append("+ bias \(TextTable.number(Double(bias)))  = \(TextTable.number(Double(preActivation)))   (pre-activation)")
    let definition = activation == "none" ? "" : ": \(activationFormula), x = \(TextTable.number(Double(preActivation)))"
    out.append("activation \(activation)\(definition) -> \(TextTable.number(Double(value)))   (the map's value as the engine computed it; the definition gives \(TextTable.number(Double(definedValue))))")
    let subject = mapping.ofMagnitude ? "|value|" : "value"
    out.append("gray \(gray) of \(mapping.maximumGray)   (normalize \(mapping.modeName), scale \(scope): \(subject) = \(TextTable.number(mapping.offset)) + \(TextTable.number(mapping.scale)) x gray)")
    return out.joined(separator: "\n") + "\n"
  }

  /// "6 to 8" for consecutive rows, else the list.
  static func span(_ values: [Int]) -> String {
    guard let first = values.first, let last = values.last else { return "" }
    if values.count == 1 { return "\(first)" }
    let step = values[1] - values[0]
    return step == 1 ? "\(first) to \(last)" : values.map(String.init).joined(separator: ", ")
  }

  /// Titled tables side by side when they fit in 100 columns, else one under the other.
  static func tables(_ tables: [(title: String, cells: [[String]])]) -> [String] {
    let limit = TextTable.width - 4  // stacked tables are indented by 4
    let laid = tables.map { table -> (title: String, lines: [String], elided: Int) in
      let (lines, elided) = TextTable.lines(table.cells, limit: limit)
      return (table.title, lines, elided)
    }
    let widths = laid.map { max($0.title.count, $0.lines.map(\.count).max() ?? 0) }
    var out: [String] = []
    if widths.reduce(0, +) + 5 * (laid.count - 1) + 2 <= TextTable.width && laid.allSatisfy({ $0.elided == 0 }) {
      func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: w - s.count) }
      out.append("  " + zip(laid, widths).map { pad($0.title, $1) }.joined(separator: "     "))
      for row in 0..<(laid.first?.lines.count ?? 0) {
        out.append("  " + zip(laid, widths).map { pad($0.lines[row], $1) }.joined(separator: "     "))
      }
      return out.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
    }
    for table in laid {
      let elided = table.elided == 1 ? "1 middle column" : "\(table.elided) middle columns"
      out.append("  " + table.title + (table.elided > 0 ? " (\(elided) left out; --json has them all)" : ""))
      out += table.lines.map { "    " + $0 }
    }
    return out
  }
}
