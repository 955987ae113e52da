import FilterBanks
import FuzzSupport
import WeightsFiles

/// A weights file (.h5) as featuremaps opens it: recognised by content, every tensor listed and read, and
/// every 4-D one imported as a conv layer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  WeightsFuzzing.exercise(FuzzInput.file(data, count, name: "input.h5"))
  return 0
}
