import ArgumentParser
import Basics
import Batch
import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs
import Learning

/// `featuremaps learn PICTURES... --filters N --size K --out BANK.json`: a bank learned from pictures.
struct Learn: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Learn a bank from pictures: k-means on whitened patches, as a network's first layer learns (Coates and Ng).",
    discussion: """
      Samples --patches patches of KxK from the pictures (each picture gives its share by area; positions drawn \
      from --seed), normalises each patch's brightness and contrast (minus its mean, divided by the square root \
      of its variance plus 10/255^2, the papers' 10 for 0..255 pixels), ZCA-whitens them (--epsilon added to the \
      covariance's eigenvalues) and runs spherical k-means for --iterations. The bank applies the filters to raw \
      pictures: whitening and centring fold into each filter's weights and bias; the per-patch contrast \
      normalisation, not being linear, is left out. Filters are ordered by cluster size, largest first. The same \
      pictures, options and seed give the same bank, byte for byte, whatever --jobs is.

      Examples:
        featuremaps learn photos/ --filters 32 --size 7 --out learned.json
        featuremaps learn SampleImages --filters 16 --size 5 --channels Y \\
          --seed 7 --out gray.json
      """)

  @Argument(help: ArgumentHelp("Pictures and folders of pictures (walked as the main command walks them).", valueName: "picture"))
  var pictures: [String] = []

  @Option(help: ArgumentHelp("How many filters to learn.", valueName: "n"))
  var filters: Int

  @Option(help: ArgumentHelp("The kernel's side K (patches are KxK).", valueName: "k"))
  var size: Int

  @Option(help: ArgumentHelp("The bank file to write.", valueName: "bank.json"))
  var out: String

  @Option(help: ArgumentHelp("Patches to sample.", valueName: "m"))
  var patches: Int = 100_000

  @Option(help: ArgumentHelp("The seed of the patch positions and of the initial centroids.", valueName: "s"))
  var seed: UInt64 = 1

  @Option(help: ArgumentHelp("k-means iterations.", valueName: "i"))
  var iterations: Int = 10

  @Option(help: ArgumentHelp("zca, or none (patches only centred).", valueName: "zca|none"))
  var whiten: Whitening = .zca

  @Option(help: ArgumentHelp("Added to each eigenvalue before whitening (Coates and Ng's 0.1).", valueName: "e"))
  var epsilon: Double = 0.1

  @Option(help: ArgumentHelp("RGB or Y (luma).", valueName: "RGB|Y"))
  var channels: LearnedChannels = .rgb

  @Option(help: ArgumentHelp("The bank's stride: N or Y,X. (default: 1)", valueName: "s"), transform: PairValue.parse)
  var stride = PairValue(pair: Pair(1))

  @Option(help: ArgumentHelp("The bank's padding: same, valid, N, PY,PX or TOP,LEFT,BOTTOM,RIGHT. (default: same)", valueName: "p"), transform: PaddingValue.parse)
  var padding = PaddingValue(rule: .same)

  @Option(help: ArgumentHelp("The bank's activation: " + Words.list(Activation.names) + ". (default: none)", valueName: "a"), transform: ActivationName.parse)
  var activation = ActivationName(name: "none")

  @Option(help: ArgumentHelp("The bank's name (default: the output file's name).", valueName: "name"))
  var name: String?

  @Option(help: ArgumentHelp("The bank's description (default: what was learned from what).", valueName: "text"))
  var description: String?

  @Option(help: ArgumentHelp("A further member of the bank's \"source\", e.g. license=CC0-1.0 (repeatable).", valueName: "key=value"),
          transform: SourceMember.parse)
  var source: [SourceMember] = []

  @Option(help: ArgumentHelp("Threads (default: the number of cores); the bank is the same for any.", valueName: "n"))
  var jobs: Int?

  @Option(help: ArgumentHelp("Also write the sampled patches (before normalisation) to this .npy file, shape (M, C*K*K).", valueName: "file"))
  var savePatches: String?

  @Option(help: ArgumentHelp("Learn from the patches in this .npy file instead of sampling pictures.", valueName: "file"))
  var patchesFrom: String?

  @Flag(help: "Include hidden files and folders when walking folders.")
  var hidden = false

  @OptionGroup var decoding: DecoderOptions

  func validate() throws {
    if pictures.isEmpty && patchesFrom == nil { throw ValidationError("Give pictures or folders to learn from (or --patches-from FILE).") }
    if !(1...BankLimits.maximumFilters).contains(filters) { throw ValidationError("--filters must be 1 to \(BankLimits.maximumFilters), not \(filters).") }
    if !(1...BankLimits.maximumKernelSide).contains(size) { throw ValidationError("--size must be 1 to \(BankLimits.maximumKernelSide), not \(size).") }
    if !(1...100_000_000).contains(patches) { throw ValidationError("--patches must be 1 to 100000000, not \(patches).") }
    if patches < filters { throw ValidationError("--patches (\(patches)) must be at least --filters (\(filters)).") }
    if !(0...1000).contains(iterations) { throw ValidationError("--iterations must be 0 to 1000, not \(iterations).") }
    if !(epsilon > 0) { throw ValidationError("--epsilon must be more than 0, not \(epsilon).") }
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
    let dimension = (channels == .luma ? 1 : 3) * size * size
    if whiten == .zca && dimension > Self.maximumWhitenedDimension {
      throw ValidationError("--size \(size) with \(channels.rawValue) gives patches of \(dimension) values; whitening takes at most \(Self.maximumWhitenedDimension) (--size up to \(channels == .luma ? 22 : 13)), or use --whiten none.")
    }
    if patches * dimension > Self.maximumPatchValues {
      throw ValidationError("--patches \(patches) of \(dimension) values each would take \((patches * dimension * 4) >> 20) MiB; at most \((Self.maximumPatchValues * 4) >> 20) MiB: ask for fewer patches.")
    }
  }

  /// `--whiten`.
  enum Whitening: String, CaseIterable, ExpressibleByArgument {
    case zca, none
  }

  /// `--channels`: the colour planes, or luma alone.
  enum LearnedChannels: String, CaseIterable, ExpressibleByArgument {
    case rgb = "RGB"
    case luma = "Y"
  }

  /// ZCA whitening decomposes a D x D covariance (O(D^3)): 512 takes seconds, 12288 (64x64 RGB) would take
  /// hours and gigabytes.
  static let maximumWhitenedDimension = 512
  /// Patches are held as floats: 2 GiB of them at most.
  static let maximumPatchValues = 1 << 29

  /// `argument` as a POSIX shell reads it back: in single quotes unless it is plain.
  static func shellQuoted(_ argument: String) -> String {
    let plain = !argument.isEmpty && argument.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_./=,:+@%".unicodeScalars.contains($0)) }
    return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// The arguments that decide the bank, as recorded in its source: not --jobs (the bank is the same for
  /// any) nor --save-patches.
  static func bankArguments(_ arguments: [String]) -> [String] {
    var kept: [String] = []
    var skipNext = false
    for argument in arguments {
      if skipNext {
        skipNext = false
        continue
      }
      if argument == "--jobs" || argument == "--save-patches" {
        skipNext = true
        continue
      }
      if argument.hasPrefix("--jobs=") || argument.hasPrefix("--save-patches=") { continue }
      kept.append(argument)
    }
    return kept
  }

  func run() throws {
    var options = Learner.Options()
    options.filters = filters
    options.size = size
    options.patches = patches
    options.seed = seed
    options.iterations = iterations
    options.whiten = whiten == .zca
    options.epsilon = epsilon
    options.input = channels == .luma ? FilterBank.Input(channels: ["Y"], range: (0, 1), mean: [0], std: [1]) : .rgb
    options.threads = jobs ?? ProcessorCount.active
    options.decoder = decoding.decoder
    options.layout.stride = stride.pair
    options.layout.padding = padding.rule
    options.layout.activation = try activation.activation(negativeSlope: nil)
    var learner = Learner(options: options)
    let progress = ProgressLine()
    let patchCount = options.patches
    learner.progress = { phase in
      switch phase {
      case .sampling(let pictures): progress.show("learn: sampling \(patchCount) patches from \(pictures) picture\(pictures == 1 ? "" : "s")")
      case .whitening: progress.show("learn: whitening")
      case .clustering(let i, let n): progress.show("learn: k-means iteration \(i) of \(n)")
      }
    }

    let sampled: Patches
    var pictureCount = 0
    // Pictures that cannot be read are named and left out, as the main command does; the bank is learned
    // from the others and the status is 1 at the end.
    var failures: [String] = []
    do {
      if let patchesFrom {
        sampled = try Learner.load(patchesFrom, size: size, channels: options.input.channels.count)
      } else {
        let plan = InputPlanner(includeHidden: hidden).plan(pictures)
        failures = plan.failures.map(\.description)
        for failure in failures { progress.say("featuremaps: \(failure)") }
        let result = try learner.samplePatches(paths: plan.pictures.map(\.path))
        for failure in result.failures { progress.say("featuremaps: \(failure)") }
        failures += result.failures
        pictureCount = plan.pictures.count - result.failures.count
        sampled = result.patches
      }
      if let savePatches { try Learner.save(sampled, to: savePatches) }
    } catch {
      progress.clear()
      throw error
    }

    let bankName = name ?? FilterBank.defaultName(out)
    let shape = "\(filters) filters of \(size)x\(size)x\(options.input.channels.count)"
    let inputs = patchesFrom.map { ["patches from " + ($0 as NSString).lastPathComponent] }
      ?? pictures.map { ($0 as NSString).standardizingPath }.map { URL(fileURLWithPath: $0).lastPathComponent }
    let command = (["featuremaps", "learn"] + Self.bankArguments(Array(CommandLine.arguments.dropFirst(2))).map(Self.shellQuoted))
      .joined(separator: " ")
    let bankSource = FilterBank.Source(members: [
      ("kind", .string("learned")),
      ("details", .string("spherical k-means (Coates and Ng 2012) on \(whiten == .zca ? "ZCA-whitened" : "centred"), contrast-normalised \(size)x\(size) patches; made by featuremaps learn")),
      ("command", .string(command)), ("seed", .number(Double(seed))),
      ("pictures", .number(Double(pictureCount))), ("patches", .number(Double(sampled.count))),
      ("input", .string(inputs.joined(separator: ", "))),
    ] + source.map { ($0.key, .string($0.value)) })
    let bank = learner.learn(
      from: sampled, name: bankName,
      description: description ?? "\(shape) learned from \(inputs.joined(separator: ", ")) by spherical k-means on whitened patches (featuremaps learn).",
      source: bankSource)
    progress.clear()
    try AtomicFile.write(Array(bank.text().utf8), to: out)
    print("\(out): \(shape), from \(sampled.count) patches")
    if !failures.isEmpty { throw ExitCode(ExitStatus.inputFailed.rawValue) }
  }
}
