import Basics
import ConvEngine

extension LayerMatrix {
  /// Shape, sparsity, weight sharing, and the matrix itself when it fits 100 columns.
  public func text(layer: Int, conv: ConvLayer, padding: Padding) -> String {
    let total = rows * columns
    var out: [String] = []
    out.append("layer \(layer) as a matrix product: output = matrix @ input + bias")
    out.append("  output: \(filters.count) filter\(filters.count == 1 ? "" : "s") x \(outputSize.height) x \(outputSize.width) = \(rows) values (filter, row, column)")
    out.append("  input:  \(inputShape.channels) channel\(inputShape.channels == 1 ? "" : "s") x \(inputShape.height) x \(inputShape.width) = \(columns) values (channel, row, column)")
    out.append("  matrix: \(rows) x \(columns) = \(total) entries, \(nonZeros) of them non-zero (\(Self.percent(nonZeros, total)))")
    let perRow = conv.kernel.y * conv.kernel.x * conv.channelsPerGroup
    out.append("  each row holds at most \(conv.kernel.y) x \(conv.kernel.x) x \(conv.channelsPerGroup) = \(perRow) non-zero weights: the receptive field of its output pixel")
    let shared = isWeightShared(stride: conv.stride, padding: padding)
    let weights = filters.count * perRow
    if shared {
      var line = "  every row of a filter holds the same kernel, shifted: weight sharing (\(distinctValues) distinct values among \(nonZeros) non-zero entries; \(filters.count == 1 ? "the filter has" : "the \(filters.count) filters have") \(weights) weights)"
      if conv.stride == Pair(1) && conv.dilation == Pair(1) && conv.paddingMode == .zeros {
        line += "; each (filter, channel) block is a doubly block Toeplitz matrix"
      }
      out.append(line)
    } else {
      out.append("  away from the borders every row of a filter holds the same kernel, shifted (weight sharing); at the borders the padding mode (\(conv.paddingMode.rawValue)) folds taps onto edge pixels")
    }
    out.append("  a fully connected layer between the same \(columns) inputs and \(rows) outputs would have \(total) free weights")
    let worst = zip(product, output).map { abs($0 - Double($1)) }.max() ?? 0
    out.append("  matrix @ input + bias equals the engine's values before the activation to within \(TextTable.number(worst))")
    if columns <= 24 && rows <= 64 {
      out.append("")
      var dense = [[String]](repeating: [String](repeating: ".", count: columns), count: rows)
      for (r, row) in entries.enumerated() { for entry in row { dense[r][entry.column] = TextTable.number(entry.value) } }
      out += TextTable.lines(dense, limit: TextTable.width - 2).lines.map { "  " + $0 }
      out.append("  (. is zero)")
    } else {
      out.append("  (the matrix itself is printed when it has at most 24 columns and 64 rows; --json gives it whole)")
    }
    return out.joined(separator: "\n") + "\n"
  }

  static func percent(_ part: Int, _ whole: Int) -> String {
    whole == 0 ? "0%" : String(format: "%.2g%%", 100 * Double(part) / Double(whole))
  }

  /// `{"matrix": [[...]], "input": [...], "bias": [...], "output": [...], ...}`, written a row at a time.
  public func writeJSON(_ emit: (String) -> Void) {
    func number(_ v: Double) -> String { JSONValue.format(v) }
    emit("{\"rows\":\(rows),\"columns\":\(columns),\"non_zeros\":\(nonZeros),\"distinct_values\":\(distinctValues),")
    emit("\"filters\":[" + filters.map(String.init).joined(separator: ",") + "],\"matrix\":[")
    var dense = [String](repeating: "0", count: columns)
    for (r, row) in entries.enumerated() {
      for entry in row { dense[entry.column] = number(entry.value) }
      emit((r > 0 ? "," : "") + "[" + dense.joined(separator: ",") + "]")
      for entry in row { dense[entry.column] = "0" }
    }
    emit("],\"input\":[" + input.map { number(Double($0)) }.joined(separator: ",") + "]")
    emit(",\"bias\":[" + bias.map { number(Double($0)) }.joined(separator: ",") + "]")
    emit(",\"output\":[" + output.map { number(Double($0)) }.joined(separator: ",") + "]}\n")
  }
}
