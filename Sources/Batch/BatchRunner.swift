import Basics
import Foundation
import MapWriting

/// How a batch reports and schedules.
public struct BatchOptions: Sendable {
  /// Pictures processed at the same time.
  public var jobs = 1
  /// Skip pictures whose output folder already has a manifest (written last, so it means complete).
  public var skipExisting = false
  /// Redraw a progress line on standard error.
  public var showProgress = false
  /// Print one JSON line per picture on standard output.
  public var logJSON = false
  /// No progress line and no per-picture notes on standard error (errors are still printed).
  public var quiet = false
  /// Print each picture's timings on standard error.
  public var timings = false

  public init() {}
}

/// What a batch did.
public struct BatchSummary: Sendable {
  public var done = 0
  /// `--skip-existing`: pictures whose complete result was made with the same bank and options.
  public var alreadyDone = 0
  /// `--skip-existing`: complete results made another way, made again: how many, by why.
  public var redone: [String: Int] = [:]
  /// Files in walked folders that are not pictures.
  public var notPictures = 0
  public var failed: [String] = []
  public var mapsWritten = 0
  public var interrupted = false
  /// When interrupted: pictures given up while under way, and pictures not started.
  public var dropped = 0
  public var notStarted = 0
  /// Pictures done whose decoder warned about something that cannot have changed their maps: counted,
  /// not printed one by one (`--log json` has each).
  public var harmlessWarnings = 0
  /// Maps written that show nearly one gray (`PictureResult.nearlyFlatMaps`).
  public var nearlyFlatMaps = 0
}

/// Runs a plan of pictures on `jobs` workers. A picture that fails is reported and the batch goes on;
/// an interruption (SIGINT, SIGTERM) stops taking new pictures, lets the ones under way finish their
/// files, and removes every temporary file.
public final class BatchRunner: @unchecked Sendable {
  let processor: PictureProcessor
  let outputRoot: String
  let options: BatchOptions
  private let lock = NSLock()
  private var summary = BatchSummary()
  private var next = 0
  private var started = Date()
  private var lastDraw = Date.distantPast
  private var total = 0
  private let progress: ProgressLine
  /// Pictures taken and not finished.
  private var inProgress = 0
  private let memory = MemoryBudget(totalBytes: MemoryBudget.defaultBytes)
  /// Entries of the summary that are not pictures of the plan (skipped non-pictures, missing inputs).
  private var reportedOutsidePlan = 0

  public init(processor: PictureProcessor, outputRoot: String, options: BatchOptions) {
    progress = ProgressLine(wanted: options.showProgress && !options.quiet)
    self.processor = processor
    // "maps/" and "maps" name the same folder: paths under it are written with one slash.
    var root = outputRoot
    while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
    self.outputRoot = root
    self.options = options
  }

  public func run(_ plan: InputPlan, interruption: Interruption) -> BatchSummary {
    summary.notPictures = plan.notPictures
    reportedOutsidePlan = plan.failures.count
    interruption.onStop = { [self] in
      let under = lock.withLock { inProgress }
      say("featuremaps: stopping: no new picture is started, and the \(under) under way \(under == 1 ? "is" : "are") dropped (nothing of \(under == 1 ? "it" : "them") is kept)",
          always: true)
    }
    for failure in plan.failures { report(failure.path, status: "failed", seconds: 0, maps: 0, error: failure.reason) }
    total = plan.pictures.count
    started = Date()
    let workers = max(1, min(options.jobs, plan.pictures.count))
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
      while let picture = take(plan.pictures, interruption: interruption) { process(picture) }
    }
    lock.withLock {
      progress.clear()
      summary.interrupted = interruption.isInterrupted
      summary.notStarted = plan.pictures.count - next
    }
    TemporaryFiles.shared.removeAll()
    return summary
  }

  private func take(_ pictures: [PlannedPicture], interruption: Interruption) -> PlannedPicture? {
    lock.withLock {
      guard next < pictures.count, !interruption.isInterrupted else { return nil }
      defer { next += 1 }
      inProgress += 1
      return pictures[next]
    }
  }

  private func process(_ picture: PlannedPicture) {
    let start = Date()
    defer { lock.withLock { inProgress -= 1 } }
    let directory = outputRoot + "/" + picture.outputName
    if options.skipExisting, let earlier = ManifestReader.read(folder: directory) {
      StagedResult.removeAbandoned(beside: directory)  // a run killed after its result was complete
      // Only a result made with this bank and these options counts as done; another is made again.
      if let why = processor.differences(from: earlier) {
        lock.withLock { summary.redone[why, default: 0] += 1 }
      } else {
        report(picture.path, status: "skipped", seconds: 0, maps: 0, error: nil)
        return
      }
    }
    let need = processor.estimatedBytes(path: picture.path)
    memory.acquire(need)
    defer { memory.release(need) }
    do throws(PictureFailure) {
      let result = try processor.process(path: picture.path, displayPath: picture.path, outputDirectory: directory)
      if let warning = result.warning {
        if result.warningIsHarmless {
          lock.withLock { summary.harmlessWarnings += 1 }
        } else {
          say("featuremaps: \(picture.path): warning: \(warning)")
        }
      }
      if options.timings { say("featuremaps: \(picture.path): \(Self.describe(result.timings))", always: true) }
      lock.withLock { summary.nearlyFlatMaps += result.nearlyFlatMaps }
      report(picture.path, status: "done", seconds: Date().timeIntervalSince(start), maps: result.mapCount, error: nil,
             output: directory, timings: result.timings, warning: result.warning)
    } catch where error.isStopped {
      report(picture.path, status: "dropped", seconds: Date().timeIntervalSince(start), maps: 0, error: nil)
    } catch {
      report(picture.path, status: "failed", seconds: Date().timeIntervalSince(start), maps: 0, error: error.reason)
    }
  }

  // MARK: - Reporting

  private func report(_ path: String, status: String, seconds: Double, maps: Int, error: String?, output: String? = nil,
                      timings: Timings? = nil, warning: String? = nil) {
    lock.withLock {
      switch status {
      case "done":
        summary.done += 1
        summary.mapsWritten += maps
      case "skipped": summary.alreadyDone += 1
      case "dropped": summary.dropped += 1
      default: summary.failed.append(path)
      }
      if let error { sayLocked("featuremaps: \(path): \(error)", always: true) }
      if options.logJSON {
        let line = JSONValue.object([
          ("path", .string(path)), ("status", .string(status)), ("seconds", .number((seconds * 1000).rounded() / 1000)),
          ("maps", .number(Double(maps))), ("error", error.map { .string($0) } ?? .null),
          ("output", output.map { .string($0) } ?? .null),
          ("timings", timings.map(Self.json) ?? .null), ("warning", warning.map { .string($0) } ?? .null),
        ]).compact
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
      }
      drawProgress()
    }
  }

  private func say(_ line: String, always: Bool = false) { lock.withLock { sayLocked(line, always: always) } }

  static func describe(_ t: Timings) -> String {
    let layers = t.layers.enumerated().map { i, layer in
      let rate = layer.operations > 0 && layer.seconds > 0 ? String(format: " (%.1f GFLOP/s)", layer.operations / layer.seconds / 1e9) : ""
      let algorithm = layer.algorithm.isEmpty ? "" : " [\(layer.algorithm)]"
      return String(format: "layer %d %.3f s", i + 1, layer.seconds) + rate + algorithm
    }
    return String(format: "decode %.3f s, ", t.decodeSeconds) + layers.joined(separator: ", ")
      + (t.statisticsSeconds > 0 ? String(format: ", statistics %.3f s", t.statisticsSeconds) : "")
      + String(format: ", encode %.3f s, other %.3f s, total %.3f s", t.encodeSeconds, t.otherSeconds, t.totalSeconds)
      + (t.maps.isEmpty ? "" : " (\(t.maps))") + ", peak memory \(t.peakMemoryBytes >> 20) MiB"
  }

  static func json(_ t: Timings) -> JSONValue {
    .object([
      ("decode_seconds", .number(t.decodeSeconds)),
      ("layers", .array(t.layers.map { .object([("seconds", .number($0.seconds)), ("operations", .number($0.operations)), ("algorithm", .string($0.algorithm))]) })),
      ("statistics_seconds", .number(t.statisticsSeconds)), ("encode_seconds", .number(t.encodeSeconds)),
      ("other_seconds", .number(t.otherSeconds)), ("total_seconds", .number(t.totalSeconds)), ("maps", .string(t.maps)),
      ("peak_memory_bytes", .number(Double(t.peakMemoryBytes))),
    ])
  }

  /// Errors are printed even with --quiet; other lines only without it.
  private func sayLocked(_ line: String, always: Bool) {
    guard always || !options.quiet else { return }
    progress.say(line)
  }

  private func drawProgress() {
    guard options.showProgress && !options.quiet else { return }
    let now = Date()
    let finished = summary.done + summary.failed.count + summary.alreadyDone - reportedOutsidePlan
    guard now.timeIntervalSince(lastDraw) > 0.1 || finished >= total else { return }
    lastDraw = now
    let elapsed = now.timeIntervalSince(started)
    let processed = summary.done + summary.failed.count
    let rate = elapsed > 0 ? Double(processed) / elapsed : 0
    let remaining = max(0, total - finished)
    let eta = rate > 0 ? Self.clock(Double(remaining) / rate) : "--:--"
    let line = "[\(finished)/\(total)] \(summary.mapsWritten) maps, \(summary.failed.count) failed, "
      + String(format: "%.1f pictures/s, ETA %@", rate, eta)
    progress.show(line)
  }

  static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
  }
}
