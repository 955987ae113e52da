import Basics
import ConvEngine

extension LayerMatrix {
  /// Shape, sparsity, weight sharing, and the matrix itself when it fits 100 columns.
  /// The output value of row `r`: (filter, y, x).
  public func rowLabel(_ r: Int) -> (filter: Int, y: Int, x: Int) {
    let plane = outputSize.height * outputSize.width
    return (filters[r / plane], r % plane / outputSize.width, r % outputSize.width)
  }

  /// The input value of column `c`: (channel, y, x).
  public func columnLabel(_ c: Int) -> (channel: Int, y: Int, x: Int) {
    let plane = inputShape.height * inputShape.width
    return (c / plane, c % plane / inputShape.width, c % inputShape.width)
  }

  /// `inputNames`: the input channels' names, for the column labels.
  public func text(layer: Int, conv: ConvLayer, padding: Padding, inputNames: [String]? = nil) -> String {
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
      // Labelled: each row by its output pixel (filter:y,x), each column by its input pixel (channel:y,x).
      let names = inputNames ?? (0..<inputShape.channels).map(String.init)
      var dense = [["out \\ in"] + (0..<columns).map { c in let l = columnLabel(c); return "\(names[l.channel]):\(l.y),\(l.x)" }]
      for (r, row) in entries.enumerated() {
        let l = rowLabel(r)
        var line = ["\(l.filter):\(l.y),\(l.x)"] + [String](repeating: ".", count: columns)
        for entry in row { line[1 + entry.column] = TextTable.number(entry.value) }
        dense.append(line)
      }
      out += TextTable.lines(dense, limit: TextTable.width - 2).lines.map { "  " + $0 }
      out.append("  (rows: an output pixel, filter:y,x; columns: an input pixel, channel:y,x; . is zero)")
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
    emit("\"filters\":[" + filters.map(String.init).joined(separator: ",") + "],")
    // What each row and column is: [filter, y, x] of an output pixel, [channel, y, x] of an input pixel.
    emit("\"row_pixels\":[" + (0..<rows).map { let l = rowLabel($0); return "[\(l.filter),\(l.y),\(l.x)]" }.joined(separator: ",") + "],")
    emit("\"column_pixels\":[" + (0..<columns).map { let l = columnLabel($0); return "[\(l.channel),\(l.y),\(l.x)]" }.joined(separator: ",") + "],")
    emit("\"matrix\":[")
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
