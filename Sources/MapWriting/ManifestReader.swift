import Basics

/// A `manifest.json` the main command wrote, read back: the one reader of manifests (montages of an output
/// folder; `--skip-existing`'s check that a result was made the same way).
public struct ManifestReader: Sendable {
  /// One map as the manifest lists it.
  public struct Map: Sendable, Equatable {
    public var index: Int
    public var layer: Int
    public var filter: String
    /// Relative to the picture's folder.
    public var file: String
    public var minimum: Double
    public var maximum: Double
  }

  public var maps: [Map]
  /// The bank's SHA-256, as recorded.
  public var bankSHA256: String?
  /// The recorded options, as strings or numbers.
  public var options: JSONValue?

  /// The manifest of the picture folder `folder`; nil when there is none or it is not one featuremaps wrote.
  public static func read(folder: String) -> ManifestReader? {
    guard let bytes = try? FileBytes.read(folder + "/" + ManifestSink.fileName), let json = try? StrictJSONParser.parse(bytes),
      case .array(let items)? = json["maps"]
    else { return nil }
    var maps: [Map] = []
    for item in items {
      guard case .number(let index)? = item["index"], case .string(let filter)? = item["filter"], case .string(let file)? = item["file"]
      else { return nil }
      var layer = 1.0
      if case .number(let n)? = item["layer"] { layer = n }
      var (low, high) = (0.0, 0.0)
      if case .number(let n)? = item["min"] { low = n }
      if case .number(let n)? = item["max"] { high = n }
      maps.append(Map(index: Int(index), layer: Int(layer), filter: filter, file: file, minimum: low, maximum: high))
    }
    var sha: String?
    if case .string(let s)? = json["bank"]?["sha256"] { sha = s }
    return ManifestReader(maps: maps, bankSHA256: sha, options: json["options"])
  }
}
