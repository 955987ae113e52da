import Basics
import FilterBanks
import ImageCodecs

/// Where the maps of one picture flow: a file format, the manifest, a montage...
///
/// A sink is made for each picture when its maps begin (`MapFormat.makeSink`, `ManifestSink.init`), with
/// the picture's `PictureContext`; it then accepts every map, and finishes once all maps are known.
/// `accept` is called from several threads at once (maps are encoded in parallel), once per map, in any
/// order: a sink that needs every map of a picture (a montage) keeps what it needs of each (its gray
/// levels, say) and draws in `finish`. Sinks finish in the order they were given, the manifest last, so
/// that its presence means the folder is complete.
public protocol MapSink: Sendable {
  /// One map: its entry (index, name, file, statistics, gray mapping) and its values, (height, width)
  /// row-major, valid only during the call.
  func accept(_ map: MapEntry, values: UnsafeBufferPointer<Float>) throws(OutputError)
  /// After the last map: every map's entry, in bank order.
  func finish(_ maps: [MapEntry]) throws(OutputError)
  /// Whether the sink takes maps a band of rows at a time (`rows(of:)`); if not, the writer computes maps
  /// whole, in groups.
  var acceptsRows: Bool { get }
  /// Where map `map`'s rows go as they come, for maps computed a band of rows at a time. `map`'s mapping is
  /// final; its statistics may not be yet (`finish` has them).
  func rows(of map: MapEntry) throws(OutputError) -> any MapRowSink
  /// Whether the sink is also given the per-channel partial maps (`--partials`), as a set of their own.
  var takesPartialMaps: Bool { get }
}

extension MapSink {
  public func finish(_ maps: [MapEntry]) throws(OutputError) {}
  public var acceptsRows: Bool { false }
  public var takesPartialMaps: Bool { true }
  public func rows(of map: MapEntry) throws(OutputError) -> any MapRowSink { preconditionFailure("the sink does not accept rows") }
}

/// One map's rows, given in order, a band at a time, from one thread at a time.
public protocol MapRowSink: AnyObject {
  /// The next rows: `values` holds whole rows of the map's width.
  func append(_ values: UnsafeBufferPointer<Float>) throws(OutputError)
  /// After the last row.
  func finish() throws(OutputError)
}

/// What a sink knows about the picture whose maps it receives and about the run.
public struct PictureContext: Sendable {
  /// The picture's path as the user gave it.
  public var displayPath: String
  public var picture: PictureInfo
  public var bank: LoadedBank
  public var options: OutputOptions
  /// The picture's output folder.
  public var folder: OutputFolder

  public init(displayPath: String, picture: PictureInfo, bank: LoadedBank, options: OutputOptions, folder: OutputFolder) {
    self.displayPath = displayPath
    self.picture = picture
    self.bank = bank
    self.options = options
    self.folder = folder
  }
}
