import Basics

/// One tensor of a weights file, as the file lists it (nothing read yet).
public struct TensorInfo: Sendable, Equatable {
  public var name: String
  /// The element type in the format's own words: `float32` (NumPy, and PyTorch's dtype names), `F16` (safetensors), `FLOAT` (ONNX)...
  public var dtype: String
  public var shape: [Int]

  public init(name: String, dtype: String, shape: [Int]) {
    self.name = name
    self.dtype = dtype
    self.shape = shape
  }
}

/// A tensor read as Float32, row-major (C order) in `shape`.
public struct WeightsTensor: Sendable, Equatable {
  public var name: String
  public var shape: [Int]
  public var values: [Float]

  public init(name: String, shape: [Int], values: [Float]) {
    precondition(Checked.product(of: shape) == values.count)
    self.name = name
    self.shape = shape
    self.values = values
  }
}

/// What every weights file offers: its tensors listed, and any of them read as Float32.
public protocol WeightsReader {
  /// The path given, for messages.
  var file: String { get }
  var format: WeightsFormat { get }
  /// Every tensor, in the file's order.
  var tensors: [TensorInfo] { get }
  /// The tensor called `name`, converted to Float32.
  func read(_ name: String) throws(WeightsError) -> WeightsTensor
}

/// The formats featuremaps reads weights from.
public enum WeightsFormat: String, Sendable, CaseIterable {
  case npy = "NumPy .npy"
  case npz = "NumPy .npz"
  case safetensors
  case pytorchZip = "PyTorch (zip)"
  case pytorchLegacy = "PyTorch (legacy)"
  case onnx = "ONNX"
  case hdf5 = "HDF5 (Keras)"
}

extension WeightsReader {
  /// The tensor called `name`, or an error naming the closest names the file has.
  public func require(_ name: String) throws(WeightsError) -> WeightsTensor {
    guard tensors.contains(where: { $0.name == name }) else {
      throw WeightsError(file: file, reason: "has no tensor '\(name)'\(Self.suggestions(for: name, among: tensors.map(\.name)))")
    }
    return try read(name)
  }

  /// Whether the file has a tensor called `name`.
  public func has(_ name: String) -> Bool { tensors.contains { $0.name == name } }

  /// "; the closest are a, b, c" (by edit distance), or "; it has none" for an empty file.
  static func suggestions(for name: String, among names: [String]) -> String {
    guard !names.isEmpty else { return "; it has no tensors" }
    let ranked = names.map { ($0, EditDistance.between($0, name)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    return "; the closest are " + ranked.prefix(3).map(\.0).joined(separator: ", ")
  }
}
