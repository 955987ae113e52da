import Basics
import Foundation

/// A bank as loaded for a run: the parsed bank plus where it came from, for the manifest.
public struct LoadedBank: Sendable {
  public var bank: FilterBank
  /// The file path given, or `builtin:NAME`.
  public var file: String
  /// SHA-256 of the bank's bytes.
  public var sha256: String
}

/// Finds banks: a path to a JSON file, or the name of a built-in bank (the files of `Filters/`,
/// embedded in the binary by the EmbedBanks build plugin).
public enum BankCatalog {
  public static var builtInNames: [String] { EmbeddedBanks.files.map(\.name) }

  /// The bank `argument` names: an existing file first, else a built-in bank of that name. `weights` reads
  /// the weights files its layers take filters `from`.
  public static func load(_ argument: String, weights: (any WeightsResolving)? = nil) throws(BankError) -> LoadedBank {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
      let bytes = try FilterBank.readFile(argument)
      let folder = URL(fileURLWithPath: argument).deletingLastPathComponent().path
      let bank = try FilterBank.parse(bytes, file: argument, defaultName: FilterBank.defaultName(argument), folder: folder,
                                      weights: weights)
      return LoadedBank(bank: bank, file: argument, sha256: SHA256.hex(bytes))
    }
    if let builtIn = EmbeddedBanks.files.first(where: { $0.name == argument }) {
      return try builtInBank(builtIn)
    }
    let looksLikePath = argument.contains("/") || argument.hasSuffix(".json")
    throw BankError(
      file: argument, path: "",
      reason: looksLikePath
        ? "no such bank file"
        : "no bank file or built-in bank of that name; built-in banks: \(builtInNames.joined(separator: ", "))")
  }

  /// Every built-in bank, parsed.
  public static func builtInBanks() throws(BankError) -> [LoadedBank] {
    var banks: [LoadedBank] = []
    for file in EmbeddedBanks.files { banks.append(try builtInBank(file)) }
    return banks
  }

  /// The embedded text of a built-in bank.
  public static func builtInText(_ name: String) -> String? { EmbeddedBanks.files.first { $0.name == name }?.json }

  private static func builtInBank(_ file: (name: String, json: String)) throws(BankError) -> LoadedBank {
    let bytes = Array(file.json.utf8)
    let bank = try FilterBank.parse(bytes, file: "builtin:\(file.name)", defaultName: file.name)
    return LoadedBank(bank: bank, file: "builtin:\(file.name)", sha256: SHA256.hex(bytes))
  }
}
