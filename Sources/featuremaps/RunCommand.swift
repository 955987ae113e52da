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

  @Option(help: ArgumentHelp("Refuse pictures with more pixels than this (checked on the header, before decoding).", valueName: "n"))
  var maxPixels: Int = PictureDecoder.defaultMaximumPixels

  @Flag(help: "Keep the stored orientation instead of applying the JPEG's EXIF orientation.")
  var keepOrientation = false

  @Flag(help: "Decode JPEGs that end early (libjpeg fills the rest with gray) instead of refusing them.")
  var allowTruncated = false

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
    "auto: per layer, the fastest algorithm that applies (Winograd F(2x2,3x3), FFT on 32x32 tiles, space-to-depth for strided layers, the direct kernels elsewhere); direct: every multiply-add of the definition.",
    valueName: "algorithm"))
  var engine: Engine.Algorithm = .auto

  func validate() throws {
    if images.isEmpty && filesFrom == nil {
      throw ValidationError("Give at least one picture or folder, or --files-from FILE.")
    }
    if !PNGCompression.levels.contains(pngLevel) { throw ValidationError("--png-level must be between 0 and 12, not \(pngLevel).") }
    if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1.") }
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
  }

  func run() throws {
    let loaded = try CommandSupport.loadBank(bank)

    var inputs = images
    if let filesFrom { inputs += try readList(filesFrom) }
    var plan = InputPlanner(includeHidden: hidden).plan(inputs)
    if let shard { plan.pictures = plan.pictures.filter(shard.contains) }

    try Folders.create(out)

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
    options.decoder = PictureDecoder(maximumPixels: maxPixels, appliesOrientation: !keepOrientation, allowsTruncatedJPEG: allowTruncated)
    options.algorithm = engine

    var batch = BatchOptions()
    batch.jobs = workers
    batch.skipExisting = skipExisting
    batch.logJSON = log == .json
    batch.quiet = quiet
    batch.timings = timings
    batch.showProgress = isatty(STDERR_FILENO) != 0 && plan.pictures.count > 1

    let interruption = Interruption()
    interruption.install()
    let runner = BatchRunner(processor: PictureProcessor(bank: loaded, options: options), outputRoot: out, options: batch)
    let summary = runner.run(plan, interruption: interruption)

    if !quiet {
      var line = "featuremaps: \(summary.done) done (\(summary.mapsWritten) maps in \(out)), \(summary.skipped) skipped, \(summary.failed.count) failed"
      if !summary.failed.isEmpty { line += ": " + summary.failed.joined(separator: ", ") }
      if summary.harmlessWarnings > 0 {
        line += "; \(summary.harmlessWarnings) with a harmless decoder warning (an ICC profile or another chunk the maps do not use; --log json lists them)"
      }
      if summary.interrupted { line += "; interrupted: rerun with --skip-existing to finish" }
      FileHandleOutput.standardError(line)
    }
    if summary.interrupted { throw ExitCode(ExitStatus.interrupted.rawValue) }
    if !summary.failed.isEmpty { throw ExitCode(ExitStatus.inputFailed.rawValue) }
  }

  private func readList(_ source: String) throws -> [String] {
    if source == "-" { return InputList.paths([UInt8](FileHandle.standardInput.readDataToEndOfFile())) }
    guard let bytes = try? FileBytes.read(source) else { throw CommandFailure("\(source): cannot read the --files-from list", .usage) }
    return InputList.paths(bytes)
  }
}
