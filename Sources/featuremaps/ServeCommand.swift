import ArgumentParser
import Basics
import Batch
import Dispatch
import FilterBanks
import Foundation
import Serving

/// `featuremaps serve`: the live page (Serving's `LiveServer`), until Ctrl-C.
struct Serve: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "A live page in the browser: choose a picture and a bank, edit a kernel, and see every map change.",
    discussion: """
      Starts a web server on this computer and prints its address; open it in a browser. The page shows \
      every map of every layer, the bank's kernels (click a cell to change it), a clicked pixel explained as \
      `explain` explains it, and switches that show why a filter has one kernel per channel and why the \
      channels are summed. Pictures larger than \(Workbench.defaultLargestSide) pixels on their longer side \
      are scaled down first (the page says so). Uploads: pictures up to \(Self.limits.maximumPictureBytes >> 20) MiB, \
      banks up to \(Self.limits.maximumBankBytes >> 20) MiB, weights files up to \(Self.limits.maximumWeightsBytes >> 20) MiB. \
      Ctrl-C stops the server.

      The server listens on 127.0.0.1 only, and answers only pages it served itself (it checks each \
      request's Host and Origin). --bind another address to let other computers reach it: anyone who can \
      reach that address can then use it.

      Examples:
        featuremaps serve SampleImages/chelsea.png --bank edges
        featuremaps serve photos/ --bank resnet50-conv1 --port 9000
      """)

  static let limits = LiveServer.Configuration()

  @Argument(help: ArgumentHelp("Pictures the page offers (JPEG, PNG; folders are walked).", valueName: "picture"))
  var pictures: [String] = []

  @Option(help: ArgumentHelp("The bank the page starts with: a JSON file or a built-in bank's name.", valueName: "bank"))
  var bank = "edges"

  @Option(help: ArgumentHelp("The port to listen on (0: any free port).", valueName: "n"))
  var port = 8077

  @Option(help: ArgumentHelp("The address to listen on. Anything but 127.0.0.1 or ::1 lets other computers use the server.", valueName: "address"))
  var bind = "127.0.0.1"

  @OptionGroup var decoding: DecoderOptions

  func validate() throws {
    if !(0...65535).contains(port) { throw ValidationError("--port must be 0 to 65535, not \(port).") }
  }

  func run() throws {
    let loaded = try CommandSupport.loadBank(bank)
    let workbench = Workbench(decoder: decoding.decoder)
    var given = 0
    // Files and folders as the main command takes them (folders walked, pictures known by their bytes).
    let plan = InputPlanner().plan(pictures)
    for failure in plan.failures { Self.log(failure.description) }
    for file in plan.pictures.map(\.path) {
      do {
        try workbench.addPicture(try FileBytes.read(file), name: file, pinned: true)
        given += 1
      } catch let error as ServeError {
        Self.log(error.message)
      } catch {
        Self.log("\(file): cannot be read")
      }
    }
    if !pictures.isEmpty && given == 0 { throw CommandFailure("no picture given could be read; the page can still take pictures", .inputFailed) }
    if !["127.0.0.1", "::1", "localhost"].contains(bind) {
      Self.log("warning: listening on \(bind): anyone who can reach this address can use the server")
    }
    var configuration = LiveServer.Configuration()
    configuration.bind = bind == "localhost" ? "127.0.0.1" : bind
    configuration.port = port
    let server = LiveServer(configuration: configuration, workbench: workbench, initialBank: loaded.bank, log: { Self.log($0) })

    let interruption = Interruption()
    interruption.install()
    let done = DispatchSemaphore(value: 0)
    let failure = FailureBox()
    let host = configuration.bind.contains(":") ? "[\(configuration.bind)]" : configuration.bind
    let ready = "\(NumberText.counted(given, "picture")), bank \(loaded.bank.name); Ctrl-C stops"
    Task {
      do {
        try await server.run(stop: interruption.stop) { port in
          FileHandle.standardOutput.write(Data("featuremaps serve: http://\(host):\(port)/ (\(ready))\n".utf8))
        }
      } catch {
        failure.set("\(host):\(port): \(error)")
      }
      done.signal()
    }
    done.wait()
    if let message = failure.value { throw CommandFailure("cannot serve on \(message)", .usage) }
    print("featuremaps serve: stopped")
  }

  static func log(_ line: String) {
    FileHandle.standardError.write(Data("featuremaps serve: \(line)\n".utf8))
  }

  final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?
    func set(_ text: String) { lock.withLock { message = text } }
    var value: String? { lock.withLock { message } }
  }
}
