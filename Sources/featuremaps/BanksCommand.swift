import ArgumentParser
import FilterBanks

/// `featuremaps banks`: the built-in banks, one line each; `--show NAME` prints one bank's JSON.
struct Banks: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the built-in banks (the files of Filters/, embedded in the binary).",
    discussion: "Use a built-in bank by name: featuremaps photo.jpg --bank edges --out maps/")

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
    for loaded in try BankCatalog.builtInBanks() {
      let bank = loaded.bank
      let shape = bank.layers.map { layer -> String in
        switch layer.layer {
        case .conv(let conv): return "\(conv.filterCount)x\(conv.kernel.y)x\(conv.kernel.x)"
        case .pool(let pool): return "\(pool.kind == .max ? "maxpool" : "avgpool")\(pool.size.y)"
        }
      }.joined(separator: " > ")
      let summary = bank.description.split(separator: ".").first.map(String.init) ?? ""
      print("\(bank.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(shape.padding(toLength: 16, withPad: " ", startingAt: 0)) \(summary)")
    }
  }
}
