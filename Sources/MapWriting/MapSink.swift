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
}

extension MapSink {
  public func finish(_ maps: [MapEntry]) throws(OutputError) {}
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
