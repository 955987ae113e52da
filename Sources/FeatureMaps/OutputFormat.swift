/// The file format of the maps.
public enum OutputFormat: String, Sendable, CaseIterable {
  /// 8-bit grayscale PNG: gray 0...255.
  case png
  /// 16-bit grayscale PNG: gray 0...65535, for people who measure.
  case png16
  /// NumPy .npy: the raw Float32 values, little-endian, shape (height, width), no normalization.
  case npy

  public var fileExtension: String { self == .npy ? "npy" : "png" }
  public var maximumGray: Int { self == .png16 ? 65535 : 255 }
}
