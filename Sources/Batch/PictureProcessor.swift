import Basics
import ConvEngine
import Dispatch
import FilterBanks
import ImageCodecs
import InputPreparation
import MapWriting
import Pipeline

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
  /// Maps that show nearly one gray, a few extreme values setting their range (`GrayMapping.isNearlyFlat`).
  public var nearlyFlatMaps = 0
}

/// One picture end to end: decodes it, applies the bank and gives its maps to the sinks the options
/// choose (the map format's, then the manifest), in one folder.
///
/// The bank runs through `BankRun`, keeping one inner layer at a time: every layer but the last is computed
/// whole (it is the next layer's input). The last conv layer is computed in bands and groups of maps while
/// its maps are written (see `MapSetWriter`), so its maps are never all held as floats: memory does not
/// grow with the number of filters.
public struct PictureProcessor: Sendable {
  public let bank: LoadedBank
  public let options: RunOptions
  let engine: Engine

  public init(bank: LoadedBank, options: RunOptions) {
    self.bank = bank
    self.options = options
    var engine = Engine(threads: options.output.threads, algorithm: options.algorithm)
    engine.stop = options.stop
    self.engine = engine
  }

  /// Processes the picture at `path` into `outputDirectory`, replacing an earlier result there.
  /// `displayPath` is the path as the user gave it, for the manifest and messages.
  public func process(path: String, displayPath: String, outputDirectory: String) throws(PictureFailure) -> PictureResult {
    defer { options.pictureProgress?.clear() }  // before any line that follows: done, failed or stopped
    let started = DispatchTime.now().uptimeNanoseconds
    var timings = Timings()
    let input = try PictureFailure.catching(displayPath, as: PictureFailure.Cause.decoding) { () throws(DecodeError) in
      try PreparedPicture.load(path: path, for: bank.bank.input, decoder: options.decoder)
    }
    timings.decodeSeconds = Self.seconds(since: started)
    let picture = input.info
    // A bank that does not fit this picture is refused before the folder (and an earlier result) is touched.
    let run = try PictureFailure.catching(displayPath, as: PictureFailure.Cause.bankDoesNotFit) { () throws(BankMismatchError) in
      try BankRun(bank: bank.bank, input: input.tensor, engine: engine, retention: .latest)
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

    func computed<T>(_ body: () throws(BankRun.Failure) -> T) throws(PictureFailure) -> T {
      try PictureFailure.catching(displayPath, as: PictureFailure.cause, body)
    }
    func checkStop() throws(PictureFailure) {
      if options.stop?.isRaised == true { throw PictureFailure(path: displayPath, cause: .stopped) }
    }
    let last = run.layerCount - 1
    var entries: [MapEntry] = []
    for index in (options.output.allLayers ? Array(0...last) : [last]) {
      // The last layer streamed: its maps are computed in groups while they are written.
      let source = try computed { () throws(BankRun.Failure) in
        try run.maps(ofLayer: index, streamed: index == last, streamBudget: options.output.streamedBandBytes)
      }
      var writer = MapSetWriter(
        source: source, names: bank.bank.layers[index].outputNames, layerNumber: index + 1, interior: run.interior(ofLayer: index),
        options: options.output, firstIndex: entries.count, subfolder: options.output.allLayers ? "layer\(index + 1)/" : "")
      if let progress = options.pictureProgress {
        let what = "\(displayPath): layer \(index + 1) of \(last + 1)"
        progress.show(what)
        writer.onBand = { done, total in progress.show("\(what): rows \(done) of \(total)") }
      }
      let written = try output { () throws(OutputError) in
        if !writer.subfolder.isEmpty { try folder.makeSubfolder(writer.subfolder) }
        return try writer.write(to: sinks)
      }
      writer.source.recycle()  // the maps' memory serves the next picture
      try checkStop()  // maps computed after the stop may be incomplete: none is kept
      entries += written.entries
      timings.encodeSeconds += written.encodeSeconds
      timings.statisticsSeconds += writer.statisticsSeconds
      guard index == last else { continue }
      let layer = bank.bank.layers[index].layer
      timings.maps = writer.strategy.description
      // Streamed layers: each layer's own time; else the layers computed whole on the way, then the last.
      let streamed = writer.source.layerWork
      var work = streamed?.last ?? run.timings[index].map { ($0.seconds, $0.operations) }
        ?? (writer.source.engineSeconds, writer.source.engineOperations)
      if options.output.partials, case .conv(let conv) = layer {
        let partials = try writePartials(
          of: conv, run: run, layerIndex: index, maps: written.entries, folder: folder, sinks: sinks, displayPath: displayPath)
        entries.replaceSubrange((entries.count - written.entries.count)..., with: partials.maps)
        // The partial maps' engine time and operations count with the last layer's.
        work = (work.0 + partials.engineSeconds, work.1 + partials.engineOperations)
        timings.encodeSeconds += partials.encodeSeconds
      }
      timings.layers = streamed.map { work in
        work.dropLast().enumerated().map { i, w in (w.seconds, w.operations, engine.algorithmName(of: bank.bank.layers[i].layer)) }
      } ?? run.timings[..<index].compactMap { $0.map { ($0.seconds, $0.operations, $0.algorithm) } }
      timings.layers.append((work.0, work.1, engine.algorithmName(of: layer)))
    }
    try checkStop()
    try output { () throws(OutputError) in
      for sink in sinks + [ManifestSink(context: context)] { try sink.finish(entries) }
      try staged.publish()
    }
    published = true
    timings.totalSeconds = Self.seconds(since: started)
    timings.peakMemoryBytes = ProcessMemory.peakResidentBytes
    var result = PictureResult(outputDirectory: outputDirectory, mapCount: entries.count, width: picture.width,
                               height: picture.height, warning: picture.warning, warningIsHarmless: picture.warningIsHarmless,
                               timings: timings)
    if !options.output.format.writesRawValues { result.nearlyFlatMaps = entries.filter { $0.mapping.isNearlyFlat($0.statistics) }.count }
    return result
  }

  /// Why an earlier complete result was not made as this run would make it (`--skip-existing` then makes
  /// it again); nil when it was.
  public func differences(from earlier: ManifestReader) -> String? {
    if earlier.bankSHA256 != bank.sha256 { return "made with another bank" }
    if earlier.options != ManifestSink.options(options.output) { return "made with other options" }
    return nil
  }

  /// About how much memory processing the picture at `path` takes at its peak, from its header: the
  /// decoded planes, the prepared and padded input, the layers before the last (their windows of rows when
  /// they stream, else each whole), and the maps being written.
  /// A header may claim any size (a PNG up to 2^31 - 1 a side): an estimate too large for an Int is
  /// `Int.max`, more than any budget, and the decoder then refuses the picture against `--max-pixels`.
  public func estimatedBytes(path: String) -> Int {
    guard let (width, height) = PictureHeader.dimensions(path: path) else { return options.output.mapMemoryBytes }
    let channels = bank.bank.input.channels.count
    let streams = !options.output.allLayers && BankRun.streams(bank.bank, width: width, height: height)
    let wholeLayers = streams ? 0 : bank.bank.layers.dropLast().reduce(0) { $0 + $1.outputNames.count }
    let planes = 3 + 2 * channels + wholeLayers
    return Checked.product(4, width, height, planes).flatMap { Checked.sum($0, options.output.mapMemoryBytes) } ?? Int.max
  }

  static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
