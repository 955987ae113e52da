import Basics
import Foundation

/// Opens a weights file by what its first bytes say (never by its name, but for ONNX, which has no
/// signature): NumPy .npy and .npz, safetensors, PyTorch (zip and legacy), HDF5 (Keras), ONNX.
public enum WeightsFile {
  public static func open(_ path: String) throws(WeightsError) -> any WeightsReader {
    let bytes = try contents(of: path)
    let head = [UInt8](bytes.prefix(16))
    if head.starts(with: NPYReader.magic) { return try NPYReader(file: path, bytes: bytes) }
    if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
      return try ZipWeights.open(path, bytes: bytes)
    }
    if HDF5Reader.hasSignature(bytes) { return try HDF5Reader(file: path) }
    if head.first == 0x80 { return try TorchLegacyReader(file: path, bytes: bytes) }
    if SafetensorsReader.looksLikeOne(head, size: bytes.count) { return try SafetensorsReader(file: path, bytes: bytes) }
    if path.lowercased().hasSuffix(".onnx") { return try ONNXReader(file: path, bytes: bytes) }
    throw WeightsError(
      file: path,
      reason: "not a weights file featuremaps reads (NumPy .npy or .npz, safetensors, PyTorch .pth/.pt, ONNX .onnx, Keras .h5)")
  }

  /// The file's bytes, mapped rather than read: only the tensors asked for are paged in.
  static func contents(of path: String) throws(WeightsError) -> Data {
    do {
      return try MappedFile.data(path)
    } catch {
      switch error {
      case .missing: throw WeightsError(file: path, reason: "no such weights file")
      case .folder: throw WeightsError(file: path, reason: "is a folder, not a weights file")
      case .unreadable: throw WeightsError(file: path, reason: "cannot be read (permission denied?)")
      }
    }
  }
}
