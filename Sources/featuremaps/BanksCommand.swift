import ArgumentParser
import Basics
import ConvEngine
import FilterBanks

/// `featuremaps banks`: the built-in banks, one line each; `--show NAME` prints one bank's JSON.
struct Banks: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the built-in banks (the files of Filters/, embedded in the binary).",
    discussion: """
      Each line: the name, the layers (filters x input channels per group x rows x columns, then the stride \
      and groups when not 1), the number of parameters (weights and biases), and what the bank shows.
      Use a built-in bank by name: featuremaps photo.jpg --bank edges --out maps/
      """)

  @Option(name: .long, help: ArgumentHelp("Print the JSON of one built-in bank, to copy and edit.", valueName: "name"))
  var show: String?

  func run() throws {
    if let show {
      guard let text = BankCatalog.builtInText(show) else {
        throw ValidationError("There is no built-in bank '\(show)'. Built-in banks: \(BankCatalog.builtInNames.joined(separator: ", ")).")
      }
      print(text, terminator: "")
      return
    }
    let banks = try BankCatalog.builtInBanks().map(\.bank)
    let rows = banks.map { bank in (bank.name, Self.layers(bank), Self.parameters(bank), Self.summary(bank)) }
    let widths = (rows.map(\.0.count).max() ?? 0, rows.map(\.1.count).max() ?? 0, rows.map(\.2.count).max() ?? 0)
    for (name, layers, parameters, summary) in rows {
      print(name.padding(toLength: widths.0, withPad: " ", startingAt: 0) + "  " + layers.padding(toLength: widths.1, withPad: " ", startingAt: 0)
            + "  " + String(repeating: " ", count: widths.2 - parameters.count) + parameters + "  " + summary)
    }
  }

  /// `64x3x7x7 s2 > maxpool2 > ...`
  static func layers(_ bank: FilterBank) -> String {
    bank.network.map { layer -> String in
      switch layer {
      case .conv(let c):
        var text = "\(c.filterCount)x\(c.channelsPerGroup)x\(c.kernel.y)x\(c.kernel.x)"
        if c.stride != Pair(1) { text += " s\(c.stride)" }
        if c.groups > 1 { text += " g\(c.groups)" }
        return text
      case .pool(let p): return "\(p.kind == .max ? "maxpool" : "avgpool")\(p.size.y)"
      }
    }.joined(separator: " > ")
  }

  /// Weights and biases, as `1,744 parameters`.
  static func parameters(_ bank: FilterBank) -> String {
    let count = bank.network.reduce(0) { total, layer in
      if case .conv(let c) = layer { return total + c.parameterCount } else { return total }
    }
    return NumberText.grouped(count) + " parameters"
  }

  /// The description's first sentence, at most 70 characters.
  static func summary(_ bank: FilterBank) -> String {
    let first = bank.description.split(separator: ".").first.map(String.init) ?? ""
    return first.count <= 70 ? first : String(first.prefix(67)) + "..."
  }
}
