import ConvEngine
import Dispatch
import FilterBanks
import Foundation
import ImageCodecs

/// Why one picture could not be turned into maps. The batch goes on; the message is one line.
public struct PictureError: Error, CustomStringConvertible, Sendable {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}

/// What was written for one picture.
public struct PictureResult: Sendable {
  public var outputDirectory: String
  public var mapCount: Int
  public var width: Int
  public var height: Int
  /// A decoder warning worth passing on (the picture was still processed).
  public var warning: String?
  public var timings: Timings
}

/// Where the time of one picture went.
public struct Timings: Sendable {
  public var decodeSeconds = 0.0
  /// Per layer: seconds in the engine and floating-point operations done (for GFLOP/s).
  public var layers: [(seconds: Double, operations: Double)] = []
  public var encodeSeconds = 0.0
  public var totalSeconds = 0.0
}

/// Decodes one picture, applies the bank and writes its maps and manifest into one folder.
///
/// Every layer but the last is computed whole (it is the next layer's input). The last conv layer is
/// computed in bands and groups of maps while its maps are written (see `MapSetWriter`), so its maps are
/// never all held as floats: memory does not grow with the number of filters.
public struct PictureProcessor: Sendable {
  public let bank: LoadedBank
  public let options: RunOptions
  let engine: Engine

  public init(bank: LoadedBank, options: RunOptions) {
    self.bank = bank
    self.options = options
    engine = Engine(threads: options.threads)
  }

  /// Processes the picture at `path` into `outputDirectory`, replacing an earlier result there.
  /// `displayPath` is the path as the user gave it, for the manifest and messages.
  public func process(path: String, displayPath: String, outputDirectory: String) throws(PictureError) -> PictureResult {
    let started = DispatchTime.now().uptimeNanoseconds
    var timings = Timings()
    // The samples are dropped as soon as the input tensor exists: `picture` keeps only the description.
    var picture: Picture
    var current: Tensor
    do throws(CodecError) {
      picture = try options.decoder.decode(path: path)
      current = InputPreparation.tensor(from: picture, input: bank.bank.input)
      picture.samples = []
    } catch {
      throw PictureError(path: displayPath, reason: error.reason)
    }
    timings.decodeSeconds = Self.seconds(since: started)
    let layers = bank.bank.network

    do throws(CodecError) {
      // A bank that does not fit this picture is refused before the folder (and an earlier result) is touched.
      let geometries = try shaped(displayPath, picture) { () throws(ShapeError) in
        try LayerGeometry.chain(layers, height: picture.height, width: picture.width)
      }
      try prepareDirectory(outputDirectory)
      var entries: [MapEntry] = []
      for (index, layer) in layers.enumerated() {
        let isLast = index == layers.count - 1
        var source: MapSource
        if isLast, case .conv(let conv) = layer {
          let start = DispatchTime.now().uptimeNanoseconds
          let prepared = try shaped(displayPath, picture) { () throws(ShapeError) in
            try PreparedConv(conv, input: current, layerIndex: index, path: engine.path)
          }
          current = Tensor(channels: 0, height: 0, width: 0)  // the padded copy in `prepared` is all that is needed
          source = .conv(prepared, threads: options.threads, preparationSeconds: Self.seconds(since: start))
        } else {
          let start = DispatchTime.now().uptimeNanoseconds
          current = try shaped(displayPath, picture) { () throws(ShapeError) in try engine.apply(layer, to: current, layerIndex: index) }
          timings.layers.append((Self.seconds(since: start), Self.operations(layer, output: current)))
          source = .tensor(current)
        }
        guard isLast || options.allLayers else { continue }
        var writer = MapSetWriter(
          source: source, names: bank.bank.layers[index].outputNames, layerNumber: index + 1, interior: (geometries[index].interiorRows, geometries[index].interiorColumns),
          options: options, bankName: bank.bank.name, firstIndex: entries.count, folder: options.allLayers ? "layer\(index + 1)/" : "")
        if !writer.folder.isEmpty { try makeDirectory(outputDirectory + "/" + writer.folder) }
        let written = try writer.write(into: outputDirectory)
        entries += written.entries
        timings.encodeSeconds += written.encodeSeconds
        if isLast, case .conv = layer { timings.layers.append((writer.source.engineSeconds, writer.source.engineOperations)) }
      }
      removeStaleFiles(in: outputDirectory, keeping: Set(entries.map(\.file)))
      let manifest = Manifest(picture: picture, displayPath: displayPath, bank: bank, options: options, maps: entries)
      try AtomicFile.write(Array(manifest.json().serialized().utf8) + [0x0A], to: outputDirectory + "/" + Manifest.fileName)
      timings.totalSeconds = Self.seconds(since: started)
      return PictureResult(outputDirectory: outputDirectory, mapCount: entries.count, width: picture.width,
                           height: picture.height, warning: picture.warning, timings: timings)
    } catch {
      throw PictureError(path: displayPath, reason: error.reason)
    }
  }

  /// About how much memory processing the picture at `path` takes at its peak, from its header: the
  /// decoded planes, the prepared and padded input, every layer computed whole, and the maps being written.
  public func estimatedBytes(path: String) -> Int {
    guard let (width, height) = PictureHeader.dimensions(path: path) else { return options.mapMemoryBytes }
    let pixels = width * height
    let channels = bank.bank.input.channels.count
    let wholeLayers = bank.bank.layers.dropLast().reduce(0) { $0 + $1.outputNames.count }
    return 4 * pixels * (3 + 2 * channels + wholeLayers) + options.mapMemoryBytes
  }

  /// Runs `body`; a shape error (the bank does not fit this picture) becomes a picture error.
  private func shaped<T>(_ displayPath: String, _ picture: Picture, _ body: () throws(ShapeError) -> T) throws(CodecError) -> T {
    do throws(ShapeError) {
      return try body()
    } catch {
      throw CodecError.unsupported(
        path: displayPath, format: picture.format,
        reason: "the bank \(bank.bank.name) does not fit this \(picture.width)x\(picture.height) picture: \(error)")
    }
  }

  static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  /// Floating-point operations of a layer that produced `output` (a multiply-add counts 2).
  static func operations(_ layer: Layer, output: Tensor) -> Double {
    guard case .conv(let conv) = layer else { return 0 }
    return 2 * Double(conv.multiplyAddsPerOutput) * Double(output.values.count)
  }

  // MARK: - The output folder

  private func makeDirectory(_ path: String) throws(CodecError) {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw .io(path: path, reason: "cannot create the output folder")
    }
  }

  /// Creates the folder and removes an earlier manifest first, so that the folder never claims to be
  /// complete while its maps are being replaced.
  private func prepareDirectory(_ path: String) throws(CodecError) {
    try makeDirectory(path)
    let manifest = path + "/" + Manifest.fileName
    if FileManager.default.fileExists(atPath: manifest), unlink(manifest) != 0 {
      throw .io(path: manifest, reason: "cannot replace the earlier manifest")
    }
  }

  /// Maps of an earlier run that this run did not write (a different bank or format).
  private func removeStaleFiles(in directory: String, keeping: Set<String>) {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return }
    for case let relative as String in enumerator {
      let isMap = relative.hasSuffix(".png") || relative.hasSuffix(".npy")
      if isMap && !keeping.contains(relative) { unlink(directory + "/" + relative) }
    }
  }
}
