import Foundation

import Glibc

/// A headless Chromium driven through the DevTools protocol over `--remote-debugging-pipe` (JSON messages
/// ended by a NUL byte, commands on the browser's fd 3, replies and events on its fd 4): no WebSocket
/// client needed. Requests go to a proxy address where nothing listens (Chromium never proxies loopback), so the
/// page has no network but this machine's own server.
public final class DevToolsBrowser {
  public static let executable: String? = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  private let pid: pid_t
  private let commands: FileHandle
  private let replies: FileHandle
  private var buffer: [UInt8] = []
  private var nextID = 1
  /// Every event received so far: method and params.
  public private(set) var events: [(method: String, params: [String: Any])] = []
  /// The page's session, once `open` attached to it.
  public private(set) var session: String?

  public init(profile: String, width: Int = 1400, height: Int = 1000) throws {
    guard let executable = Self.executable else { throw Failure("no chromium: apt-get install chromium") }
    var toBrowser: [Int32] = [0, 0]
    var fromBrowser: [Int32] = [0, 0]
    guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else { throw Failure("pipe failed") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toBrowser[0], 3)
    posix_spawn_file_actions_adddup2(&actions, fromBrowser[1], 4)
    let devNull = Glibc.open("/dev/null", O_WRONLY)
    posix_spawn_file_actions_adddup2(&actions, devNull, 1)
    posix_spawn_file_actions_adddup2(&actions, devNull, 2)
    let arguments = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
                     "--user-data-dir=\(profile)", "--window-size=\(width),\(height)", "--proxy-server=127.0.0.1:9",
                     "--disable-background-networking", "--disable-component-update", "about:blank"]
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, executable, &actions, nil, &argv, environ)
    Glibc.close(devNull)
    Glibc.close(toBrowser[0])
    Glibc.close(fromBrowser[1])
    guard status == 0 else { throw Failure("chromium did not start: \(status)") }
    pid = child
    commands = FileHandle(fileDescriptor: toBrowser[1], closeOnDealloc: true)
    replies = FileHandle(fileDescriptor: fromBrowser[0], closeOnDealloc: true)
  }

  deinit { quit() }

  public func quit() {
    guard pid > 0, kill(pid, 0) == 0 else { return }
    kill(pid, SIGTERM)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
  }

  public struct Failure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
  }

  /// Sends a command (to the page's session unless `browser`) and returns its result.
  @discardableResult
  public func send(_ method: String, _ params: [String: Any] = [:], browser: Bool = false) throws -> [String: Any] {
    let id = nextID
    nextID += 1
    var message: [String: Any] = ["id": id, "method": method, "params": params]
    if !browser, let session { message["sessionId"] = session }
    commands.write(try JSONSerialization.data(withJSONObject: message) + Data([0]))
    while true {
      let reply = try readMessage()
      if let replyID = reply["id"] as? Int, replyID == id {
        if let error = reply["error"] as? [String: Any] { throw Failure("\(method): \(error["message"] ?? error)") }
        return reply["result"] as? [String: Any] ?? [:]
      }
      if let event = reply["method"] as? String { events.append((event, reply["params"] as? [String: Any] ?? [:])) }
    }
  }

  private func readMessage() throws -> [String: Any] {
    while true {
      if let end = buffer.firstIndex(of: 0) {
        let message = Array(buffer[..<end])
        buffer.removeFirst(end + 1)
        return try JSONSerialization.jsonObject(with: Data(message)) as? [String: Any] ?? [:]
      }
      let chunk = replies.availableData
      guard !chunk.isEmpty else { throw Failure("the browser closed its pipe") }
      buffer += chunk
    }
  }

  /// Opens `url` in a new page, attaches to it and enables the domains the tests read (console, errors).
  public func open(_ url: String) throws {
    let target = try send("Target.createTarget", ["url": "about:blank"], browser: true)
    let attached = try send("Target.attachToTarget", ["targetId": target["targetId"] as! String, "flatten": true], browser: true)
    session = attached["sessionId"] as? String
    try send("Page.enable")
    try send("Runtime.enable")
    try send("Log.enable")
    try send("Page.navigate", ["url": url])
  }

  /// The value of a JavaScript expression (awaited if it is a promise), as JSON.
  public func evaluate(_ expression: String) throws -> Any? {
    let result = try send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
    if let exception = result["exceptionDetails"] as? [String: Any] {
      throw Failure("\(expression.prefix(80)): \((exception["exception"] as? [String: Any])?["description"] ?? exception["text"] ?? "")")
    }
    return (result["result"] as? [String: Any])?["value"]
  }

  /// Waits (up to `seconds`) until `condition`, a JavaScript expression, is true.
  public func wait(until condition: String, seconds: Double = 30) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if (try evaluate("Boolean(\(condition))")) as? Bool == true { return }
      usleep(50_000)
    }
    throw Failure("timed out waiting for \(condition)")
  }

  /// A mouse click at (x, y) in the page's viewport, as a user's.
  public func click(x: Double, y: Double) throws {
    for type in ["mousePressed", "mouseReleased"] {
      try send("Input.dispatchMouseEvent", ["type": type, "x": x, "y": y, "button": "left", "clickCount": 1])
    }
  }

  /// Chooses `file` in the file input matching `selector`, as a user choosing it in the dialog.
  public func setFile(_ selector: String, _ file: String) throws {
    let document = try send("DOM.getDocument")
    let root = (document["root"] as! [String: Any])["nodeId"] as! Int
    let node = try send("DOM.querySelector", ["nodeId": root, "selector": selector])
    try send("DOM.setFileInputFiles", ["files": [file], "nodeId": node["nodeId"] as! Int])
  }

  /// The page's console errors and uncaught exceptions so far, one line each.
  public var errors: [String] {
    events.compactMap { event in
      switch event.method {
      case "Runtime.exceptionThrown":
        let details = event.params["exceptionDetails"] as? [String: Any]
        return "exception: \((details?["exception"] as? [String: Any])?["description"] ?? details?["text"] ?? "")"
      case "Runtime.consoleAPICalled" where event.params["type"] as? String == "error":
        return "console.error: \(event.params["args"] ?? "")"
      case "Log.entryAdded":
        let entry = event.params["entry"] as? [String: Any]
        return entry?["level"] as? String == "error" ? "log: \(entry?["text"] ?? "") \(entry?["url"] ?? "")" : nil
      default:
        return nil
      }
    }
  }

  /// A PNG of the page as shown.
  public func screenshot() throws -> Data {
    let result = try send("Page.captureScreenshot", ["format": "png"])
    return Data(base64Encoded: result["data"] as? String ?? "") ?? Data()
  }
}

/// `featuremaps serve` running in the background on a free port, stopped (SIGINT) by `stop()`.
public final class ServeProcess: @unchecked Sendable {
  public let process = Process()
  public private(set) var port = 0
  private let output = Pipe()
  private let errors = Pipe()
  private var errorText = Data()
  private let lock = NSLock()

  public init(_ arguments: [String]) throws {
    process.executableURL = URL(fileURLWithPath: Project.binary)
    process.arguments = ["serve", "--port", "0"] + arguments
    process.standardOutput = output
    process.standardError = errors
    errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
      let data = handle.availableData
      self?.lock.withLock { self?.errorText.append(data) }
    }
    try process.run()
    var line = Data()
    let deadline = Date().addingTimeInterval(30)
    while !line.contains(UInt8(ascii: "\n")), Date() < deadline {
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      line += chunk
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let range = text.range(of: #":\d+/ "#, options: .regularExpression) else {
      throw DevToolsBrowser.Failure("serve printed no address: \(text) \(log)")
    }
    port = Int(text[range].dropFirst().dropLast(2)) ?? 0
  }

  public var url: String { "http://127.0.0.1:\(port)/" }

  /// What the server wrote on standard error so far.
  public var log: String { lock.withLock { String(decoding: errorText, as: UTF8.self) } }

  /// Stops the server as Ctrl-C does; its exit status and the rest of its standard output.
  @discardableResult
  public func stop() -> (status: Int32, output: String) {
    if process.isRunning { process.interrupt() }
    process.waitUntilExit()
    let rest = output.fileHandleForReading.readDataToEndOfFile()
    errors.fileHandleForReading.readabilityHandler = nil
    return (process.terminationStatus, String(decoding: rest, as: UTF8.self))
  }

  deinit { if process.isRunning { process.terminate() } }
}

/// One HTTP/1.1 request over a plain socket, every header as given (a foreign Host or Origin included), and
/// the response's status and body. For the server's tests: no client library rewrites what is sent.
public func rawHTTP(port: Int, _ head: String, body: Data = Data()) throws -> (status: Int, body: String) {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { throw DevToolsBrowser.Failure("socket failed") }
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = UInt16(port).bigEndian
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
  guard connected == 0 else { throw DevToolsBrowser.Failure("cannot connect to port \(port)") }
  let request = Data((head.replacingOccurrences(of: "\n", with: "\r\n") + "Connection: close\r\n\r\n").utf8) + body
  _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  var response = Data()
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = recv(fd, &chunk, chunk.count, 0)
    if n <= 0 { break }
    response.append(contentsOf: chunk[..<n])
  }
  let text = String(decoding: response, as: UTF8.self)
  let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
  let bodyText = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
  return (status, bodyText)
}
