import FilterBanks
import FuzzSupport
import Importing
import WeightsFiles

/// Structure-aware: a PyTorch state dict (`torch.save`'s zip format) built from the fuzzer's choices: a conv
/// weight, its bias and a batch norm under the usual names, with shapes, strides, storage offsets, storage
/// sizes and dtypes that agree or are off by a little, and names that collide or are missing. Imported as
/// `featuremaps import FILE --weight conv1.weight --bias conv1.bias --batchnorm bn1` imports it, and every
/// tensor read as a layer's weight: each inconsistency must be a one-line refusal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  var choices = Choices(FuzzInput.bytes(data, count))
  let archive = StateDictArchive.make(&choices)
  let path = FuzzInput.file(archive, archive.count, name: "state.pth")
  WeightsFuzzing.exercise(path)
  if let reader = try? WeightsFile.open(path), let weight = try? reader.read("conv1.weight"), weight.shape.count == 4 {
    let request = WeightsRequest(file: path, path: path, weight: "conv1.weight", bias: choices.bool() ? "conv1.bias" : nil, batchNorm: "bn1")
    _ = try? request.read(from: reader, channels: weight.shape[1], groups: 1)
  }
  return 0
}

enum StateDictArchive {
  static func make(_ c: inout Choices) -> [UInt8] {
    let (filters, channels, kh, kw) = (c.int(1...8), c.pick([1, 3]), c.int(1...5), c.int(1...5))
    func off(_ n: Int) -> Int { c.int(0...5) == 0 ? max(0, n + c.int(0...4) - 2) : n }
    var entries: [(name: String, shape: [Int])] = [("conv1.weight", [off(filters), off(channels), off(kh), off(kw)])]
    if c.bool() { entries.append(("conv1.bias", [off(filters)])) }
    for suffix in ["weight", "bias", "running_mean", "running_var"] where c.int(0...7) != 0 {
      entries.append(("bn1.\(suffix)", c.int(0...5) == 0 ? [off(filters), 1] : [off(filters)]))
    }
    if c.int(0...3) == 0 { entries.append((c.pick(["conv1.weight", "features.0.weight", "", "bn1"]), [c.int(0...4), c.int(0...4)])) }

    var pickle = PickleWriter()
    pickle.orderedDict()
    pickle.mark()
    var storages: [(path: String, data: [UInt8])] = []
    for (key, entry) in entries.enumerated() {
      let elements = entry.shape.reduce(1, *)
      let (storageType, size) = c.pick([("FloatStorage", 4), ("FloatStorage", 4), ("HalfStorage", 2), ("DoubleStorage", 8), ("LongStorage", 8)])
      let offset = c.int(0...7) == 0 ? c.int(0...3) : 0
      let numel = off(elements + offset)
      var stride: [Int] = []
      var step = 1
      for side in entry.shape.reversed() {
        stride.insert(step, at: 0)
        step *= max(1, side)
      }
      if c.int(0...7) == 0 && !stride.isEmpty { stride[c.int(0...(stride.count - 1))] = c.int(0...9) }
      pickle.string(entry.name)
      pickle.global("torch._utils", "_rebuild_tensor_v2")
      pickle.mark()
      pickle.mark()
      pickle.string("storage")
      pickle.global("torch", storageType)
      pickle.string("\(key)")
      pickle.string("cpu")
      pickle.int(numel)
      pickle.tuple()
      pickle.persistentID()
      pickle.int(offset)
      pickle.ints(entry.shape)
      pickle.ints(stride)
      pickle.bool(false)
      pickle.orderedDict()
      pickle.tuple()
      pickle.reduce()
      var bytes: [UInt8] = []
      for _ in 0..<min(numel * size, 1 << 16) { bytes.append(UInt8(truncatingIfNeeded: c.int(0...255))) }
      storages.append(("archive/data/\(key)", bytes))
    }
    pickle.setItems()
    pickle.stop()
    return ZipWriter.stored([("archive/data.pkl", pickle.bytes), ("archive/byteorder", Array("little".utf8))] + storages)
  }
}
