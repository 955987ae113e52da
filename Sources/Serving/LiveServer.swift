import Basics
import FilterBanks
import FlyingFox
import FlyingSocks
import Foundation
import Normalization

/// `featuremaps serve`: the live page and the requests it makes, over HTTP on a local address. Every
/// request passes `RequestGuard` first; a request's path is only ever compared with the fixed routes
/// below (no file is opened from it); bodies are refused above their limits before they are read.
public final class LiveServer: Sendable {
  public struct Configuration: Sendable {
    /// The address to listen on: 127.0.0.1 unless the user chose otherwise.
    public var bind = "127.0.0.1"
    /// 0: any free port.
    public var port = 8077
    public var maximumPictureBytes = 32 << 20
    public var maximumWeightsBytes = 64 << 20
    public var maximumBankBytes = BankLimits.maximumFileBytes
    /// Computations waiting their turn at most (more are refused with "busy").
    public var maximumWaiting = 64

    public init() {}
  }

  public let configuration: Configuration
  public let workbench: Workbench
  /// The bank the page starts with, and its JSON.
  public let initialBank: FilterBank
  let queue: ComputeQueue
  let log: @Sendable (String) -> Void

  public init(configuration: Configuration, workbench: Workbench, initialBank: FilterBank, log: @escaping @Sendable (String) -> Void) {
    self.configuration = configuration
    self.workbench = workbench
    self.initialBank = initialBank
    self.log = log
    queue = ComputeQueue(maximumWaiting: configuration.maximumWaiting)
  }

  /// Serves until `stop` is raised (checked every 100 ms): `listening` is called with the port once the
  /// server listens.
  public func run(stop: StopFlag, listening: @escaping @Sendable (Int) -> Void) async throws {
    let holder = GuardHolder()
    let router = Router(server: self, guard: holder)
    let port = UInt16(configuration.port)
    let server = configuration.bind.contains(":")
      ? HTTPServer(address: try sockaddr_in6.inet6(ip6: configuration.bind, port: port), timeout: 30, logger: .disabled, handler: router)
      : HTTPServer(address: try sockaddr_in.inet(ip4: configuration.bind, port: port), timeout: 30, logger: .disabled, handler: router)
    let task = Task { try await server.run() }
    try await server.waitUntilListening(timeout: 10)
    guard let bound = await server.listeningAddress else { throw ServeError("the server did not start listening", status: 500) }
    let listeningPort: Int
    switch bound {
    case .ip4(_, let p), .ip6(_, let p): listeningPort = Int(p)
    case .unix: listeningPort = 0
    }
    holder.set(RequestGuard(boundAddress: configuration.bind, port: listeningPort))
    listening(listeningPort)
    while !stop.isRaised && !task.isCancelled {
      try? await Task.sleep(nanoseconds: 100_000_000)
    }
    await server.stop(timeout: 2)
    task.cancel()
  }

  /// The request guard, known once the port is (a free port is chosen when the server starts).
  final class GuardHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: RequestGuard?
    func set(_ g: RequestGuard) { lock.withLock { value = g } }
    var current: RequestGuard? { lock.withLock { value } }
  }

  struct Router: HTTPHandler {
    let server: LiveServer
    let `guard`: GuardHolder

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
      let what = "\(request.method.rawValue) \(request.path)"
      guard let requestGuard = self.guard.current else { return Self.text(503, "starting") }
      if let refusal = requestGuard.refusal(host: request.headers[HTTPHeader("Host")], origin: request.headers[HTTPHeader("Origin")]) {
        server.log("\(what): \(refusal)")
        return Self.json(403, .object([("error", .string(refusal))]))
      }
      do throws(ServeError) {
        return try await server.respond(to: request)
      } catch {
        if error.status != 409 { server.log("\(what): \(error.message)") }
        return Self.json(error.status, .object([("error", .string(error.message))]))
      }
    }

    static func text(_ status: Int, _ text: String) -> HTTPResponse {
      HTTPResponse(statusCode: HTTPStatusCode(status, phrase: ""), headers: [.contentType: "text/plain; charset=utf-8"], body: Data(text.utf8))
    }

    static func json(_ status: Int, _ value: Basics.JSONValue) -> HTTPResponse {
      HTTPResponse(statusCode: HTTPStatusCode(status, phrase: ""), headers: [.contentType: "application/json", HTTPHeader("Cache-Control"): "no-store"],
                   body: Data(value.compact.utf8))
    }
  }
}
