/// A file format for maps: its name on the command line, the extension of its files, and the sink that
/// writes them. `MapFormat.registered` lists every format the tool offers; the command, the manifest and
/// the output folder learn about formats from it only.
public struct MapFormat: Sendable, Equatable, CustomStringConvertible {
  /// The value of `--format`.
  public let name: String
  /// A few words for `--help`: "8-bit".
  public let summary: String
  public let fileExtension: String
  /// The most gray levels' value (255, 65535) that mappings are chosen for.
  public let maximumGray: Int
  /// The files hold the values themselves, not gray levels: the manifest records no normalization.
  public let writesRawValues: Bool
  /// Makes the sink that writes one picture's maps.
  public let makeSink: @Sendable (PictureContext) -> any MapSink

  public init(name: String, summary: String, fileExtension: String, maximumGray: Int, writesRawValues: Bool,
              makeSink: @escaping @Sendable (PictureContext) -> any MapSink) {
    self.name = name
    self.summary = summary
    self.fileExtension = fileExtension
    self.maximumGray = maximumGray
    self.writesRawValues = writesRawValues
    self.makeSink = makeSink
  }

  public static func == (a: MapFormat, b: MapFormat) -> Bool { a.name == b.name }
  public var description: String { name }
}

extension MapFormat {
  /// Every format, in the order `--help` lists them. A new format is one file with its sink and a
  /// `static let`, and one entry here.
  public static let registered: [MapFormat] = [.png, .png16, .npy]

  /// The registered format called `name`.
  public static func named(_ name: String) -> MapFormat? { registered.first { $0.name == name } }
}
