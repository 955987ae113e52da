import Basics

extension MapFormat {
  /// NumPy .npy: the raw Float32 values, little-endian, shape (height, width), no normalization.
  public static let npy = MapFormat(name: "npy", summary: "raw Float32, NumPy", fileExtension: "npy", maximumGray: 255, writesRawValues: true) {
    NPYMapSink(context: $0)
  }
}

/// Writes each map's values as a NumPy `.npy` file.
struct NPYMapSink: MapSink {
  let context: PictureContext

  func accept(_ map: MapEntry, values: UnsafeBufferPointer<Float>) throws(OutputError) {
    try AtomicFile.write(NPYFile.bytes(values, height: map.height, width: map.width), to: context.folder.path(of: map.file))
  }
}
