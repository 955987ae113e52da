import Basics
import ConvEngine
import Dispatch
import FilterBanks
import ImageCodecs
import InputPreparation
import MapWriting

/// What was written for one picture.
public struct PictureResult: Sendable {
  public var outputDirectory: String
  public var mapCount: Int
  public var width: Int
  public var height: Int
  /// A decoder warning worth passing on (the picture was still processed).
  public var warning: String?
  /// The warning cannot have changed the maps (see `Picture.warningIsHarmless`).
  public var warningIsHarmless = false
  public var timings: Timings
}

/// One picture end to end: decodes it, applies the bank and gives its maps to the sinks the options
/// choose (the map format's, then the manifest), in one folder.
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
    engine = Engine(threads: options.output.threads, algorithm: options.algorithm)
  }

  /// Processes the picture at `path` into `outputDirectory`, replacing an earlier result there.
  /// `displayPath` is the path as the user gave it, for the manifest and messages.
  public func process(path: String, displayPath: String, outputDirectory: String) throws(PictureFailure) -> PictureResult {
    let started = DispatchTime.now().uptimeNanoseconds
    var timings = Timings()
    let input = try PictureFailure.catching(displayPath, as: PictureFailure.Cause.decoding) { () throws(DecodeError) in
      try PreparedPicture.load(path: path, for: bank.bank.input, decoder: options.decoder)
    }
    timings.decodeSeconds = Self.seconds(since: started)
    let picture = input.info
    func doesNotFit(_ error: ShapeError) -> PictureFailure.Cause {
      .bankDoesNotFit(BankMismatchError(bank: bank.bank.name, width: picture.width, height: picture.height, shape: error))
    }
    // A bank that does not fit this picture is refused before the folder (and an earlier result) is touched.
    let geometries = try PictureFailure.catching(displayPath, as: PictureFailure.Cause.bankDoesNotFit) { () throws(BankMismatchError) in
      try bank.bank.geometries(width: picture.width, height: picture.height)
    }
    func output<T>(_ body: () throws(OutputError) -> T) throws(PictureFailure) -> T {
      try PictureFailure.catching(displayPath, as: PictureFailure.Cause.output, body)
    }
    // The new result is built beside the earlier one and moved in when complete (see StagedResult).
    let staged = try output { () throws(OutputError) in try StagedResult.begin(outputDirectory) }
    var published = false
    defer { if !published { staged.abandon() } }
    let folder = staged.staging
    let context = PictureContext(displayPath: displayPath, picture: picture, bank: bank, options: options.output, folder: folder)
    let sinks = [options.output.format.makeSink(context)] + options.extraSinks.map { $0(context) }

    let layers = bank.bank.network
    var current = input.tensor
    var entries: [MapEntry] = []
    for (index, layer) in layers.enumerated() {
      let isLast = index == layers.count - 1
      var source: MapSource
      if isLast, case .conv(let conv) = layer {
        let start = DispatchTime.now().uptimeNanoseconds
        let prepared = try PictureFailure.catching(displayPath, as: doesNotFit) { () throws(ShapeError) in
          try PreparedConv(conv, input: current, layerIndex: index, path: engine.path, algorithm: engine.algorithm)
        }
        // What `prepared` holds (the input, or its padded copy) is all the maps need; the partial maps read
        // the input again.
        if !options.output.partials { current = Tensor(channels: 0, height: 0, width: 0) }
        source = .conv(prepared, threads: options.output.threads, preparationSeconds: Self.seconds(since: start))
      } else {
        let start = DispatchTime.now().uptimeNanoseconds
        current = try PictureFailure.catching(displayPath, as: doesNotFit) { () throws(ShapeError) in
          try engine.apply(layer, to: current, layerIndex: index)
        }
        timings.layers.append((Self.seconds(since: start), Self.operations(layer, output: current), engine.algorithmName(of: layer)))
        source = .tensor(current)
      }
      guard isLast || options.output.allLayers else { continue }
      var writer = MapSetWriter(
        source: source, names: bank.bank.layers[index].outputNames, layerNumber: index + 1,
        interior: (geometries[index].interiorRows, geometries[index].interiorColumns), options: options.output,
        firstIndex: entries.count, subfolder: options.output.allLayers ? "layer\(index + 1)/" : "")
      let written = try output { () throws(OutputError) in
        if !writer.subfolder.isEmpty { try folder.makeSubfolder(writer.subfolder) }
        return try writer.write(to: sinks)
      }
      entries += written.entries
      timings.encodeSeconds += written.encodeSeconds
      guard isLast, case .conv(let conv) = layer else { continue }
      var work = (seconds: writer.source.engineSeconds, operations: writer.source.engineOperations)
      if options.output.partials {
        let inputNames = index == 0 ? bank.bank.input.channels : bank.bank.layers[index - 1].outputNames
        let partials = try writePartials(
          of: conv, input: current, layerIndex: index, maps: written.entries, inputNames: inputNames,
          interior: (geometries[index].interiorRows, geometries[index].interiorColumns), folder: folder, sinks: sinks,
          fail: doesNotFit, displayPath: displayPath)
        entries.replaceSubrange((entries.count - written.entries.count)..., with: partials.maps)
        // The partial maps' engine time and operations count with the last layer's.
        work = (work.seconds + partials.engineSeconds, work.operations + partials.engineOperations)
        timings.encodeSeconds += partials.encodeSeconds
      }
      timings.layers.append((work.seconds, work.operations, engine.algorithmName(of: layer)))
    }
    try output { () throws(OutputError) in
      for sink in sinks + [ManifestSink(context: context)] { try sink.finish(entries) }
      try staged.publish()
    }
    published = true
    timings.totalSeconds = Self.seconds(since: started)
    return PictureResult(outputDirectory: outputDirectory, mapCount: entries.count, width: picture.width,
                         height: picture.height, warning: picture.warning, warningIsHarmless: picture.warningIsHarmless,
                         timings: timings)
  }

  /// About how much memory processing the picture at `path` takes at its peak, from its header: the
  /// decoded planes, the prepared and padded input, every layer computed whole, and the maps being written.
  /// A header may claim any size (a PNG up to 2^31 - 1 a side): an estimate too large for an Int is
  /// `Int.max`, more than any budget, and the decoder then refuses the picture against `--max-pixels`.
  public func estimatedBytes(path: String) -> Int {
    guard let (width, height) = PictureHeader.dimensions(path: path) else { return options.output.mapMemoryBytes }
    let channels = bank.bank.input.channels.count
    let wholeLayers = bank.bank.layers.dropLast().reduce(0) { $0 + $1.outputNames.count }
    let planes = 3 + 2 * channels + wholeLayers
    return Checked.product(4, width, height, planes).flatMap { Checked.sum($0, options.output.mapMemoryBytes) } ?? Int.max
  }

  static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  /// Floating-point operations of a layer that produced `output` (a multiply-add counts 2).
  static func operations(_ layer: Layer, output: Tensor) -> Double {
    guard case .conv(let conv) = layer else { return 0 }
    return 2 * Double(conv.multiplyAddsPerOutput) * Double(output.values.count)
  }
}
