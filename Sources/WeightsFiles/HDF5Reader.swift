import Basics
import CHDF5Shims
import Foundation

/// HDF5 files through libhdf5 (`CHDF5Shims`): Keras's `.weights.h5` (Keras 3: `LAYER/vars/0` the kernel,
/// `vars/1` the bias) and `.h5` (Keras 2: `model_weights/LAYER/LAYER/kernel:0`). Every float dataset is a
/// tensor named by its path. Kernels are stored HWIO: import them with layout HWIO. libhdf5 runs in a child
/// process for each listing and read (see `CHDF5Shims`): a damaged file that makes it crash is refused.
struct HDF5Reader: WeightsReader {
  /// libhdf5 (as Debian builds it) is not thread-safe.
  private static let lock = NSLock()
  static let maximumDatasets = 65536

  let file: String
  var format: WeightsFormat { .hdf5 }
  let tensors: [TensorInfo]

  /// HDF5's signature, at the start of the file or of a user block (512, 1024, 2048... bytes in).
  static func hasSignature(_ bytes: Data) -> Bool {
    let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    var offset = 0
    while offset + 8 <= min(bytes.count, 1 << 16) {
      if bytes[bytes.startIndex + offset..<bytes.startIndex + offset + 8].elementsEqual(signature) { return true }
      offset = offset == 0 ? 512 : offset * 2
    }
    return false
  }

  init(file: String) throws(WeightsError) {
    self.file = file
    var infos: [TensorInfo] = []
    try Self.serialized { () throws(WeightsError) in
      var message = [CChar](repeating: 0, count: Int(FM_H5_MESSAGE_SIZE))
      var listed = [fm_h5_dataset](repeating: fm_h5_dataset(), count: 64)
      var count = fm_h5_list_file(file, &listed, Int32(listed.count), &message)
      if count > Int32(listed.count) && count <= Int32(Self.maximumDatasets) {
        listed = [fm_h5_dataset](repeating: fm_h5_dataset(), count: Int(count))
        count = fm_h5_list_file(file, &listed, Int32(listed.count), &message)
      }
      if count < 0 { throw WeightsError(file: file, reason: Self.text(message)) }
      if count > Int32(Self.maximumDatasets) {
        throw WeightsError(file: file, reason: "holds \(count) datasets, over the limit of \(Self.maximumDatasets)")
      }
      for var dataset in listed.prefix(Int(count)) where dataset.is_float != 0 && dataset.rank >= 0 {
        let name = withUnsafeBytes(of: &dataset.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let shape = withUnsafeBytes(of: &dataset.dims) { raw in (0..<Int(dataset.rank)).map { Int(clamping: raw.load(fromByteOffset: $0 * 8, as: UInt64.self)) } }
        infos.append(TensorInfo(name: name, dtype: "float\(Int(dataset.element_size) * 8)", shape: shape))
      }
    }
    tensors = infos
  }

  func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    guard let info = tensors.first(where: { $0.name == name }) else { throw WeightsError(file: file, reason: "has no tensor '\(name)'") }
    let count = try checkedElementCount(info.shape, of: name, in: file)
    var values = [Float](repeating: 0, count: count)
    try Self.serialized { () throws(WeightsError) in
      var message = [CChar](repeating: 0, count: Int(FM_H5_MESSAGE_SIZE))
      let status = values.withUnsafeMutableBufferPointer { fm_h5_read_float_file(file, name, $0.baseAddress, UInt64(count), &message) }
      if status != 0 { throw WeightsError(file: file, reason: Self.text(message)) }
    }
    return WeightsTensor(name: name, shape: info.shape, values: values)
  }

  /// Runs `body` under the library's lock: no other thread is in libhdf5 when a call forks its process.
  private static func serialized(_ body: () throws(WeightsError) -> Void) throws(WeightsError) {
    lock.lock()
    defer { lock.unlock() }
    try body()
  }

  private static func text(_ message: [CChar]) -> String {
    String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
