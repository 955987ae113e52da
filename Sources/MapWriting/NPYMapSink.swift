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

  var acceptsRows: Bool { true }

  func rows(of map: MapEntry) throws(OutputError) -> any MapRowSink {
    let stream = try AtomicFile.Stream(finalPath: context.folder.path(of: map.file))
    NPYFile.header(height: map.height, width: map.width).withUnsafeBytes { stream.write($0) }
    return Rows(stream: stream)
  }

  final class Rows: MapRowSink {
    let stream: AtomicFile.Stream
    var bytes: [UInt8] = []

    init(stream: AtomicFile.Stream) { self.stream = stream }

    func append(_ values: UnsafeBufferPointer<Float>) throws(OutputError) {
      if bytes.count < values.count * 4 { bytes = [UInt8](repeating: 0, count: values.count * 4) }
      bytes.withUnsafeMutableBytes { out in
        NPYFile.data(values, into: out.baseAddress!)
        stream.write(UnsafeRawBufferPointer(rebasing: out[0..<(values.count * 4)]))
      }
    }

    func finish() throws(OutputError) { try stream.finish() }
  }
}
