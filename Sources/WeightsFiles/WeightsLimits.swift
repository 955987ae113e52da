/// Limits checked on the numbers a weights file states before anything is allocated from them, so that a
/// header or a pickle that lies cannot make featuremaps allocate gigabytes or read past the file.
public enum WeightsLimits {
  /// Elements in one tensor read: the bank format's limit on all weights together (16 Mi, 64 MiB).
  public static let maximumElements = 1 << 24
  /// A tensor's dimensions.
  public static let maximumRank = 8
  /// Headers: NumPy's dict, safetensors' JSON (its own specification says 100 MB).
  public static let maximumHeaderBytes = 100 << 20
  /// Tensors listed in one file.
  public static let maximumTensors = 1 << 20
  /// A pickle's values, all kinds together (a state dict of a large model has tens of thousands).
  public static let maximumPickleValues = 1 << 22
  /// Nesting of containers in a pickle or a protobuf message.
  public static let maximumNesting = 100
}
