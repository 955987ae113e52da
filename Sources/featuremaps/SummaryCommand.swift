import ArgumentParser
import FilterBanks
import Teaching

/// `featuremaps summary BANK`: per layer its kernel shape, geometry, output shape, parameters, multiply-adds
/// and receptive field, with totals.
struct Summary: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Summarize a bank: per layer its kernel, geometry, output shape, parameters, multiply-adds and receptive field.",
    discussion: """
      Parameters are counted as Keras and PyTorch count them: kh x kw x (in / groups) x filters weights, plus one \
      bias per filter when the layer has biases. Multiply-adds are per picture of --input's size, weights only. The \
      receptive field is how many input pixels one output pixel sees, and its jump how far apart (in input \
      pixels) neighbouring output pixels are.

      Examples:
        featuremaps summary edges
        featuremaps summary resnet50-conv1 --input 224x224
        featuremaps summary my-bank.json --input 640x480 --json
      """)

  @Argument(help: ArgumentHelp("A bank file (JSON) or the name of a built-in bank.", valueName: "bank"))
  var bank: String

  @Option(help: ArgumentHelp("The input's size, for output shapes and multiply-adds.", valueName: "WIDTHxHEIGHT"),
          transform: PictureSize.parse)
  var input: PictureSize?

  @Flag(help: "Print one JSON object instead of the table.")
  var json = false

  func run() throws {
    let loaded = try CommandSupport.loadBank(bank)
    let summary = try BankSummary(loaded.bank, input: input.map { ($0.width, $0.height) })
    print(json ? summary.json.compact : summary.text, terminator: json ? "\n" : "")
  }
}
