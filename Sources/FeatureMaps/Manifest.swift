import FilterBanks
import ImageCodecs

/// `manifest.json`: what was read, with which bank and options, and every map with its statistics and
/// the mapping `value = offset + scale * gray`. Written last: its presence means the folder is complete.
struct Manifest {
  static let fileName = "manifest.json"

  let picture: Picture
  let displayPath: String
  let bank: LoadedBank
  let options: RunOptions
  let maps: [MapEntry]

  func json() -> JSONValue {
    let scope = options.sharedScale ? "shared" : "per-map"
    return .object([
      ("picture", .object([
        ("path", .string(displayPath)), ("width", .number(Double(picture.width))),
        ("height", .number(Double(picture.height))), ("format", .string(picture.format.rawValue)),
        ("bit_depth", .number(Double(picture.bitDepth))), ("channels", .number(Double(picture.channelCount))),
        ("exif_orientation_applied", .number(Double(picture.appliedOrientation))),
      ])),
      ("bank", .object([
        ("name", .string(bank.bank.name)), ("file", .string(bank.file)), ("sha256", .string(bank.sha256)),
      ])),
      ("options", .object([
        ("normalize", .string(options.format == .npy ? "none" : options.normalize.description)),
        ("scale", .string(options.sharedScale ? "shared" : "per-map")),
        ("format", .string(options.format.rawValue)),
        ("statistics", .string(options.statisticsRegion.rawValue)),
        ("all_layers", .bool(options.allLayers)),
        ("png_compression_level", .number(Double(options.compression.level))),
        ("png_filter", .string(options.compression.filter.rawValue)),
      ])),
      ("value_mapping", .string(options.format == .npy
        ? "the .npy files hold the raw Float32 values"
        : "value = offset + scale * gray (|value| for normalize abs), gray 0..\(options.format.maximumGray), \(scope)")),
      ("maps", .array(maps.map(entry))),
    ])
  }

  private func entry(_ map: MapEntry) -> JSONValue {
    var members: [(key: String, value: JSONValue)] = [
      ("index", .number(Double(map.index))), ("layer", .number(Double(map.layer))), ("filter", .string(map.filter)),
      ("file", .string(map.file)), ("width", .number(Double(map.width))), ("height", .number(Double(map.height))),
      ("min", .number(map.statistics.minimum)), ("max", .number(map.statistics.maximum)),
      ("mean", .number(map.statistics.mean)), ("std", .number(map.statistics.standardDeviation)),
      ("statistics_pixels", .number(Double(map.statistics.count))),
    ]
    if let mapping = map.mapping {
      members += [
        ("normalize", .string(mapping.modeName)), ("offset", .number(mapping.offset)), ("scale", .number(mapping.scale)),
        ("of_magnitude", .bool(mapping.ofMagnitude)),
      ]
    } else {
      members += [("normalize", .string("none")), ("offset", .number(0)), ("scale", .number(1))]
    }
    return .object(members)
  }
}
