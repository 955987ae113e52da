import ArgumentParser
import Basics
import Batch
import ConvEngine
import Figures
import FilterBanks
import Importing
import Foundation
import ImageCodecs
import MapWriting
import Normalization

/// `featuremaps IMAGE... --bank BANK --out DIR`: the main job.
struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write one grayscale map per filter for each picture (the default command).",
    discussion: """
      Pictures (JPEG or PNG, recognised by content) and folders (walked recursively) go in; for each picture \
      a folder OUT/NAME/ receives one file per map (00-sobel-x.png, ...) and a manifest.json written last. \
      An earlier result for the same picture is overwritten.

      Examples:
        featuremaps photo.jpg --bank edges --out maps/
        featuremaps photo.jpg --bank my-bank.json --out maps/ \\
          --normalize abs --scale shared
        featuremaps photos/ more/*.png --bank gabor --out maps/ \\
          --jobs 2 --skip-existing
        find photos -name '*.jpg' | \\
          featuremaps --files-from - --bank edges --out maps/ --log json
        featuremaps photos/ --bank edges --out maps/ --shard 3/8
        featuremaps banks

      Exit status: 0 every picture done; 1 some picture failed (the others are still written); \
      2 bad usage, a bad bank or an output folder that cannot be created (nothing is processed); \
      130 interrupted (rerun with --skip-existing).
      """)

  @Argument(help: ArgumentHelp("Pictures and folders of pictures.", valueName: "image"))
  var images: [String] = []

  @Option(help: ArgumentHelp("A bank file (JSON) or the name of a built-in bank (see 'featuremaps banks').", valueName: "bank"))
  var bank: String

  @Option(name: .long, help: ArgumentHelp("The folder that receives one sub-folder per picture.", valueName: "dir"))
  var out: String

  @OptionGroup var maps: MapOptions

  @Flag(help: "Write every layer's maps into layer1/, layer2/, ... (default: the final layer's only).")
  var allLayers = false

  @Flag(help: "Also write each final map's per-channel partial maps (before the sum, bias and activation) into NN-filter.partials/.")
  var partials = false

  @OptionGroup var montage: MontageOptions

  @Option(help: ArgumentHelp("Compression level 0-12 for PNG maps (0 stores, 1 is the fast run-length coder, 2-12 libdeflate: smaller and slower).", valueName: "level"))
  var pngLevel: Int = PNGCompression.fast.level

  @Option(help: ArgumentHelp("PNG row filter: up or none.", valueName: "filter"))
  var pngFilter: PNGCompression.Filter = PNGCompression.fast.filter

  @OptionGroup var decoding: DecoderOptions

  @Option(help: ArgumentHelp("Pictures processed at the same time (default: the number of cores).", valueName: "n"))
  var jobs: Int?

  @Flag(help: "Skip pictures whose output folder already has a manifest.json (a complete earlier result).")
  var skipExisting = false

  @Option(help: ArgumentHelp("Read more picture paths from FILE, one per line ('-' for standard input).", valueName: "file"))
  var filesFrom: String?

  @Option(help: ArgumentHelp("Process only the I-th of N deterministic parts of the pictures (1 <= I <= N).", valueName: "I/N"),
          transform: Shard.parse)
  var shard: Shard?

  @Flag(help: "Include hidden files and folders when walking folders.")
  var hidden = false

  @Option(help: ArgumentHelp("json: one JSON line per picture on standard output.", valueName: "format"))
  var log: LogFormat?

  @Flag(name: .shortAndLong, help: "No progress line, no per-picture notes (errors are still printed).")
  var quiet = false

  @Flag(help: "Print where each picture's time went (decode, each layer with its GFLOP/s and algorithm, encode) on standard error.")
  var timings = false

  @Option(help: ArgumentHelp(
    "auto: per layer, the fastest algorithm that applies (Winograd F(2x4,3x3), FFT on 32x32 tiles, space-to-depth for strided layers, the direct kernels elsewhere); direct: every multiply-add of the definition.",
    valueName: "algorithm"))
  var engine: Engine.Algorithm = .auto

  func validate() throws {
    if images.isEmpty && filesFrom == nil {
      throw ValidationError("Give at least one picture or folder, or --files-from FILE.")
    }
    if !PNGCompression.levels.contains(pngLevel) { throw ValidationError("--png-level must be between 0 and 12, not \(pngLevel).") }
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
  }

  func run() throws {
    let loaded = try CommandSupport.loadBank(bank)

    var inputs = images
    if let filesFrom { inputs += try readList(filesFrom) }
    try Folders.create(out)
    // The output folder is never read back as pictures, even inside a folder given as input.
    var plan = InputPlanner(includeHidden: hidden, excluding: out).plan(inputs)
    if let shard {
      // Each picture and each failing input is one shard's: N machines report every failure once.
      plan.pictures = plan.pictures.filter(shard.contains)
      plan.failures = plan.failures.filter { shard.contains(name: $0.path) }
    }
    if plan.leftOut != nil && !quiet {
      FileHandleOutput.standardError("featuremaps: note: \(out) is the output folder; it is left out of the folders walked")
    }
    if plan.pictures.isEmpty && plan.failures.isEmpty {
      let others = plan.notPictures == 0 ? "" : " (\(plan.notPictures) file\(plan.notPictures == 1 ? "" : "s") that \(plan.notPictures == 1 ? "is" : "are") not \(plan.notPictures == 1 ? "a picture" : "pictures"))"
      throw CommandFailure("no picture found in \(inputs.joined(separator: ", "))\(others)", .inputFailed)
    }

    let cores = ProcessorCount.active
    let workers = max(1, min(jobs ?? ProcessorCount.active, plan.pictures.count))
    var options = RunOptions()
    options.output = maps.outputOptions
    options.output.allLayers = allLayers
    options.output.partials = partials
    if montage.montage {
      let layout = montage.layout.layout
      options.extraSinks.append { MontageSink(context: $0, layout: layout) }
    }
    options.output.compression = PNGCompression(level: pngLevel, filter: pngFilter)
    options.output.threads = max(1, cores / workers)
    options.decoder = decoding.decoder
    options.algorithm = engine
    let interruption = Interruption()
    options.stop = interruption.stop

    var batch = BatchOptions()
    batch.jobs = workers
    batch.skipExisting = skipExisting
    batch.logJSON = log == .json
    batch.quiet = quiet
    batch.timings = timings
    batch.showProgress = isatty(STDERR_FILENO) != 0 && plan.pictures.count > 1
    // One picture: its own progress, band by band (a 12 MP photo through a deep bank takes seconds).
    if plan.pictures.count == 1 && !quiet { options.pictureProgress = ProgressLine() }

    interruption.install()
    let runner = BatchRunner(processor: PictureProcessor(bank: loaded, options: options), outputRoot: out, options: batch)
    let summary = runner.run(plan, interruption: interruption)

    if !quiet, let hint = Self.flatHint(summary, normalize: options.output.normalize) { FileHandleOutput.standardError("featuremaps: note: " + hint) }
    if !quiet { FileHandleOutput.standardError("featuremaps: " + Self.summaryLine(summary, out: out)) }
    if summary.interrupted { throw ExitCode(ExitStatus.interrupted.rawValue) }
    if !summary.failed.isEmpty { throw ExitCode(ExitStatus.inputFailed.rawValue) }
  }

  /// Where a few extreme values left maps nearly one gray, what spreads the rest (not after a percentile or
  /// a fixed range, which the user chose).
  static func flatHint(_ summary: BatchSummary, normalize: NormalizeMode) -> String? {
    guard summary.nearlyFlatMaps > 0 else { return nil }
    switch normalize {
    case .percentile, .range: return nil
    default: break
    }
    return "\(summary.nearlyFlatMaps) of the \(summary.mapsWritten) maps are nearly one gray: a few extreme values set their range "
      + "(95% of the values within 1/16 of the gray levels of zero); --normalize percentile:1 spreads the rest"
  }

  /// `5 done (25 maps in maps/), 2 already done, 3 not pictures, 1 failed: a.jpg`, with what was made
  /// again and what an interruption left.
  static func summaryLine(_ summary: BatchSummary, out: String) -> String {
    func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
    var parts = ["\(summary.done) done (\(count(summary.mapsWritten, "map", "maps")) in \(out))"]
    if summary.alreadyDone > 0 { parts.append("\(summary.alreadyDone) already done") }
    for (why, n) in summary.redone.sorted(by: { $0.key < $1.key }) { parts.append("\(n) made again (\(why))") }
    if summary.notPictures > 0 { parts.append(count(summary.notPictures, "file that is not a picture", "files that are not pictures")) }
    var line = parts.joined(separator: ", ") + ", \(summary.failed.count) failed"
    if !summary.failed.isEmpty { line += ": " + summary.failed.joined(separator: ", ") }
    if summary.harmlessWarnings > 0 {
      line += "; \(summary.harmlessWarnings) with a harmless decoder warning (an ICC profile or another chunk the maps do not use; --log json lists them)"
    }
    if summary.interrupted {
      line += "; interrupted: \(count(summary.dropped + summary.notStarted, "picture", "pictures")) left (\(summary.dropped) dropped while under way, \(summary.notStarted) not started): rerun with --skip-existing to finish"
    }
    return line
  }

  private func readList(_ source: String) throws -> [String] {
    if source == "-" { return InputList.paths([UInt8](FileHandle.standardInput.readDataToEndOfFile())) }
    guard let bytes = try? FileBytes.read(source) else { throw CommandFailure("\(source): cannot read the --files-from list", .usage) }
    return InputList.paths(bytes)
  }
}
