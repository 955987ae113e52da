import Basics
import FilterBanks
import ImageCodecs

/// `manifest.json`: what was read, with which bank and options, and every map with its statistics and
/// the mapping `value = offset + scale * gray`. Written in `finish`, after every other sink: its presence
/// means the folder is complete.
public struct ManifestSink: MapSink {
  public static let fileName = "manifest.json"

  let context: PictureContext

  public init(context: PictureContext) { self.context = context }

  public func accept(_ map: MapEntry, values: UnsafeBufferPointer<Float>) throws(OutputError) {}

  public func finish(_ maps: [MapEntry]) throws(OutputError) {
    try AtomicFile.write(Array(ReadableJSON.text(json(maps), width: 0).utf8) + [0x0A], to: context.folder.path(of: Self.fileName))
  }

  func json(_ maps: [MapEntry]) -> JSONValue {
    let (picture, bank, options) = (context.picture, context.bank, context.options)
    let raw = options.format.writesRawValues
    let scope = options.sharedScale ? "shared" : "per-map"
    return .object([
      ("picture", .object([
        ("path", .string(context.displayPath)), ("width", .number(Double(picture.width))),
        ("height", .number(Double(picture.height))), ("format", .string(picture.format.rawValue)),
        ("bit_depth", .number(Double(picture.bitDepth))), ("channels", .number(Double(picture.channelCount))),
        ("exif_orientation_applied", .number(Double(picture.appliedOrientation))),
      ])),
      ("bank", .object([
        ("name", .string(bank.bank.name)), ("file", .string(bank.file)), ("sha256", .string(bank.sha256)),
      ])),
      ("options", Self.options(options)),
      ("value_mapping", .string(raw
        ? "the .\(options.format.fileExtension) files hold the raw Float32 values"
        : "value = offset + gray_step * gray (|value| for normalize abs), gray 0..\(options.format.maximumGray), \(scope)")),
      ("maps", .array(maps.map { entry($0, raw: raw) })),
    ])
  }

  /// The options that decide what is written, as the manifest records them (and `--skip-existing` compares).
  public static func options(_ options: OutputOptions) -> JSONValue {
    .object([
      ("normalize", .string(options.format.writesRawValues ? "none" : options.normalize.description)),
      ("scale", .string(options.sharedScale ? "shared" : "per-map")),
      ("format", .string(options.format.name)),
      ("statistics", .string(options.statisticsRegion.rawValue)),
      ("all_layers", .bool(options.allLayers)),
      ("png_compression_level", .number(Double(options.compression.level))),
      ("png_filter", .string(options.compression.filter.rawValue)),
    ] + (options.partials ? [("partials", .bool(true))] : []))
  }

  private func entry(_ map: MapEntry, raw: Bool) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [
      ("index", .number(Double(map.index))), ("layer", .number(Double(map.layer))), ("filter", .string(map.filter)),
      ("file", .string(map.file)), ("width", .number(Double(map.width))), ("height", .number(Double(map.height))),
      ("min", .number(map.statistics.minimum)), ("max", .number(map.statistics.maximum)),
      ("mean", .number(map.statistics.mean)), ("std", .number(map.statistics.standardDeviation)),
      ("statistics_pixels", .number(Double(map.statistics.count))),
    ]
    if let channel = map.channel { members.insert(("channel", .string(channel)), at: 3) }
    if raw {
      members += [("normalize", .string("none")), ("offset", .number(0)), ("gray_step", .number(1))]
    } else {
      members += [
        ("normalize", .string(map.mapping.modeName)), ("offset", .number(map.mapping.offset)),
        ("gray_step", .number(map.mapping.scale)), ("of_magnitude", .bool(map.mapping.ofMagnitude)),
      ]
    }
    if !map.partials.isEmpty { members.append(("partials", .array(map.partials.map { entry($0, raw: raw) }))) }
    return .object(members)
  }
}
