import FilterBanks
import FuzzSupport
import Importing

/// Bank JSON through the strict parser and the validation, "from" layers reading the tests' weights files;
/// a bank that parses is written back and must read back to the same layers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  guard let bank = try? FilterBank.parse(FuzzInput.bytes(data, count), file: "fuzz.json", folder: FuzzInput.weightsFolder,
                                         weights: WeightsImporter())
  else { return 0 }
  _ = try? bank.geometries(width: 17, height: 13)
  let back = try? FilterBank.parse(Array(bank.text().utf8), file: "written.json")
  precondition(back?.network == bank.network, "a bank written by FilterBank.text does not read back to the same layers")
  return 0
}
