import Basics
import ImageCodecs
import Normalization

extension MapFormat {
  /// 8-bit grayscale PNG: gray 0...255.
  public static let png = MapFormat(name: "png", summary: "8-bit", fileExtension: "png", maximumGray: 255, writesRawValues: false) {
    PNGMapSink(context: $0, bitDepth: 8)
  }
  /// 16-bit grayscale PNG: gray 0...65535, for people who measure.
  public static let png16 = MapFormat(name: "png16", summary: "16-bit", fileExtension: "png", maximumGray: 65535, writesRawValues: false) {
    PNGMapSink(context: $0, bitDepth: 16)
  }
}

/// Writes each map as a grayscale PNG of its gray levels under the map's mapping, which the file also
/// records in a `featuremaps:mapping` text chunk.
struct PNGMapSink: MapSink {
  let context: PictureContext
  let bitDepth: Int

  /// The gray levels are made band by band as the PNG writer asks for rows (see `GrayPNG.write(rows:)`).
  func accept(_ map: MapEntry, values: UnsafeBufferPointer<Float>) throws(OutputError) {
    let (width, mapping) = (map.width, map.mapping)
    try GrayPNG.write(width: width, height: map.height, bitDepth: bitDepth, to: context.folder.path(of: map.file),
                      compression: context.options.compression, text: textChunks(map)) { first, count, out in
      let from = values.baseAddress! + first * width
      if bitDepth == 16 {
        mapping.quantize(from, count: count * width, into: out.assumingMemoryBound(to: UInt16.self))
      } else {
        mapping.quantize(from, count: count * width, into: out.assumingMemoryBound(to: UInt8.self))
      }
    }
  }

  /// libdeflate's levels hold the whole filtered map until the end: a band at a time would hold every map.
  var acceptsRows: Bool { context.options.compression.level <= 1 }

  func rows(of map: MapEntry) throws(OutputError) -> any MapRowSink {
    Rows(map: map, bitDepth: bitDepth, writer: try GrayPNG.RowWriter(
      width: map.width, height: map.height, bitDepth: bitDepth, to: context.folder.path(of: map.file),
      compression: context.options.compression, text: textChunks(map)))
  }

  /// Gray levels made band by band as the rows come.
  final class Rows: MapRowSink {
    let map: MapEntry
    let bitDepth: Int
    let writer: GrayPNG.RowWriter
    /// One band's gray levels (raw memory: bound to UInt8 or UInt16 as the depth asks).
    var grays = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    init(map: MapEntry, bitDepth: Int, writer: GrayPNG.RowWriter) {
      (self.map, self.bitDepth, self.writer) = (map, bitDepth, writer)
    }

    deinit { grays.deallocate() }

    func append(_ values: UnsafeBufferPointer<Float>) throws(OutputError) {
      let bytes = values.count * bitDepth / 8
      if grays.count < bytes {
        grays.deallocate()
        grays = .allocate(byteCount: bytes, alignment: 2)
      }
      let out = grays.baseAddress!
      if bitDepth == 16 {
        map.mapping.quantize(values.baseAddress!, count: values.count, into: out.bindMemory(to: UInt16.self, capacity: values.count))
      } else {
        map.mapping.quantize(values.baseAddress!, count: values.count, into: out.bindMemory(to: UInt8.self, capacity: values.count))
      }
      writer.append(out, count: values.count / map.width)
    }

    func finish() throws(OutputError) { try writer.finish() }
  }

  func textChunks(_ map: MapEntry) -> [(key: String, value: String)] {
    [
      (key: "Title", value: Self.latin1(map.filter)),
      (key: "Software", value: "featuremaps"),
      (key: "featuremaps:bank", value: Self.latin1(context.bank.bank.name)),
      (key: "featuremaps:filter", value: Self.latin1(map.filter)),
      (key: "featuremaps:mapping", value: Self.mappingText(map.mapping, scope: context.options.sharedScale ? "shared" : "per-map")),
    ]
  }

  /// "value = OFFSET + SCALE * gray (normalize MODE, scale SCOPE)", as in the manifest.
  static func mappingText(_ mapping: GrayMapping, scope: String) -> String {
    let subject = mapping.ofMagnitude ? "|value|" : "value"
    return "\(subject) = \(mapping.offset) + \(mapping.scale) * gray, gray 0..\(mapping.maximumGray) "
      + "(normalize \(mapping.modeName), scale \(scope))"
  }

  /// tEXt chunks hold Latin-1 and the shim passes bytes through: keep printable ASCII, '?' for the rest.
  static func latin1(_ text: String) -> String {
    String(text.unicodeScalars.map { $0.value < 127 && $0.value >= 32 ? Character($0) : "?" })
  }
}
