import Batch
import FuzzSupport
import Normalization

/// The arguments parsed from text: the first line as --shard and --normalize, the rest as a --files-from
/// list whose paths then get output folders.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  let bytes = FuzzInput.bytes(data, count)
  let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
  let first = String(decoding: bytes[..<newline], as: UTF8.self)
  let shard = Shard(argument: first)
  _ = NormalizeMode(argument: first)
  let paths = InputList.paths(Array(bytes[min(newline + 1, bytes.count)...]))
  let pictures = InputPlanner.outputNames(paths.map { ($0, $0) })
  if let shard { _ = pictures.filter(shard.contains) }
  return 0
}
