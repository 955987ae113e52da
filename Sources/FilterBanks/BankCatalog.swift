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
      if let kind = WeightsSignature.kind(of: bytes) {
        throw BankError(
          file: argument, path: "",
          reason: "is \(kind), not a bank: make one with featuremaps import \(argument) --out bank.json (--list shows what it holds)")
      }
      let folder = URL(fileURLWithPath: argument).deletingLastPathComponent().path
      let bank = try FilterBank.parse(bytes, file: argument, defaultName: FilterBank.defaultName(argument), folder: folder,
                                      weights: weights)
      return LoadedBank(bank: bank, file: argument, sha256: SHA256.hex(bytes))
    }
    if let builtIn = EmbeddedBanks.files.first(where: { $0.name == argument }) {
      return try builtInBank(builtIn)
    }
    let looksLikePath = argument.contains("/") || argument.hasSuffix(".json")
    let closest = builtInNames.map { ($0, EditDistance.between(argument.lowercased(), $0)) }
      .filter { $0.1 <= max(2, $0.0.count / 3) }.min { $0.1 < $1.1 }?.0
    throw BankError(
      file: argument, path: "",
      reason: looksLikePath
        ? "no such bank file"
        : "no bank file or built-in bank of that name; " + (closest.map { "did you mean \($0)? " } ?? "")
          + "built-in banks: \(builtInNames.joined(separator: ", "))")
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

/// What a weights file given where a bank was expected is, from its first bytes (the formats `featuremaps
/// import` reads), so that the message can point to the import instead of failing as JSON.
enum WeightsSignature {
  static func kind(of bytes: [UInt8]) -> String? {
    func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix }
    if starts([0x93] + Array("NUMPY".utf8)) { return "a NumPy .npy weights file" }
    if starts([0x50, 0x4B, 0x03, 0x04]) { return "a zip of weights (.npz, or a PyTorch file)" }
    if starts([0x89] + Array("HDF".utf8)) { return "an HDF5 (Keras) weights file" }
    if bytes.count >= 2, bytes[0] == 0x80, (2...5).contains(bytes[1]) { return "a pickled (legacy PyTorch) weights file" }
    // safetensors: a little-endian header length, then the header's JSON.
    if bytes.count > 9, bytes[8] == UInt8(ascii: "{"), bytes[2...7].allSatisfy({ $0 == 0 }) { return "a safetensors weights file" }
    // ONNX: a protobuf ModelProto, field 1 (ir_version) first.
    if bytes.count > 2, bytes[0] == 0x08, bytes[1] < 0x20, bytes.contains(UInt8(ascii: "C")) && !bytes.prefix(64).contains(UInt8(ascii: "{")) {
      return "an ONNX model"
    }
    return nil
  }
}
