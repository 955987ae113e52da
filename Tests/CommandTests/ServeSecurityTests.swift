import Foundation
import TestSupport
import XCTest

/// `featuremaps serve` against requests a page of another site, a careless client or a hostile one could
/// send, over a plain socket (every header as written): refused in one line on the page and in the log,
/// and the server goes on serving.
final class ServeSecurityTests: TemporaryFolderTestCase {
  func get(_ server: ServeProcess, _ path: String, headers: String? = nil) throws -> (status: Int, body: String) {
    try rawHTTP(port: server.port, "GET \(path) HTTP/1.1\n" + (headers ?? "Host: 127.0.0.1:\(server.port)\n"))
  }

  func post(_ server: ServeProcess, _ path: String, _ body: Data, length: Int? = nil) throws -> (status: Int, body: String) {
    try rawHTTP(port: server.port, "POST \(path) HTTP/1.1\nHost: 127.0.0.1:\(server.port)\nContent-Length: \(length ?? body.count)\n", body: body)
  }

  func assertStillServing(_ server: ServeProcess, file: StaticString = #filePath, line: UInt = #line) throws {
    let state = try get(server, "/api/state")
    XCTAssertEqual(state.status, 200, "the server still answers", file: file, line: line)
    XCTAssertTrue(state.body.contains("\"banks\""), file: file, line: line)
  }

  func testForeignHostsAndOriginsAreRefused() throws {
    let server = try ServeProcess([Project.path("SampleImages/chelsea.png")])
    let port = server.port
    XCTAssertEqual(try get(server, "/").status, 200)
    XCTAssertEqual(try get(server, "/", headers: "Host: localhost:\(port)\n").status, 200)
    let refused: [(String, String)] = [
      ("Host: evil.example:\(port)\n", "refused: the request's Host (evil.example:\(port)) is not this server's address"),  // DNS rebinding
      ("Host: 127.0.0.1:\(port + 1)\n", "is not this server's address"),
      ("", "refused: the request's Host (none) is not this server's address"),
      ("Host: 127.0.0.1:\(port)\nOrigin: http://evil.example\n", "refused: the request comes from another site (Origin http://evil.example)"),
      ("Host: 127.0.0.1:\(port)\nOrigin: null\n", "refused: the request comes from a page without an origin"),
    ]
    for (headers, message) in refused {
      let response = try get(server, "/api/state", headers: headers)
      XCTAssertEqual(response.status, 403, headers)
      XCTAssertTrue(response.body.contains(message), "\(headers): \(response.body)")
    }
    // A foreign origin cannot make the server compute either.
    let maps = try rawHTTP(port: port, "POST /api/maps HTTP/1.1\nHost: 127.0.0.1:\(port)\nOrigin: http://evil.example\nContent-Length: 2\n", body: Data("{}".utf8))
    XCTAssertEqual(maps.status, 403)
    try assertStillServing(server)
    XCTAssertTrue(server.log.contains("GET /api/state: refused: the request comes from another site (Origin http://evil.example)"), server.log)
    XCTAssertEqual(server.stop().status, 0)
  }

  func testUploadsOverTheLimitDamagedPicturesHostileBanksAndWeightsAreRefusedInOneLine() throws {
    let server = try ServeProcess([])
    // Over the limit: refused from the Content-Length, before the body is read.
    let big = try post(server, "/api/picture?name=huge.jpg", Data(), length: 40 << 20)
    XCTAssertEqual(big.status, 413)
    XCTAssertTrue(big.body.contains("the picture is 41,943,040 bytes, over the limit of 33,554,432 bytes"), big.body)
    try assertStillServing(server)

    let rocket = try Data(contentsOf: URL(fileURLWithPath: Project.path("SampleImages/rocket.jpg")))
    let evil = try Data(contentsOf: URL(fileURLWithPath: Project.path("Tests/WeightsFilesTests/Files/evil.pth")))
    let cycle = try Data(contentsOf: URL(fileURLWithPath: Project.path("Tests/CommandTests/Regressions/cycle.onnx")))
    let cases: [(String, Data, String)] = [
      ("/api/picture?name=cut.jpg", rocket.prefix(5000), "cut.jpg: truncated JPEG"),
      ("/api/picture?name=notes.txt", Data("just text".utf8), "notes.txt: not a JPEG or PNG picture"),
      ("/api/picture?name=../../etc/passwd", Data("x".utf8), "passwd: "),  // the name is only a label
      ("/api/bank", Data(#"{"format": "featuremaps-bank/1", "layers": [{"type": "conv", "filters": 3}]}"#.utf8),
       "bank: layers[0].filters: expected an array, got a number"),
      ("/api/bank", Data(#"{"format": "featuremaps-bank/1", "layers": [{"type": "conv", "from": {"file": "/etc/passwd"}}]}"#.utf8),
       "bank: layers[0].from.file: the page reads no file a bank names on this computer"),
      ("/api/bank", Data(String(repeating: "[", count: 100_000).utf8), "bank:"),
      ("/api/weights?name=evil.pth", evil, "evil.pth: "),
      ("/api/weights?name=cycle.onnx", cycle, "cycle.onnx: tensor 'a' is written by two nodes"),
      ("/api/maps", Data(#"{"picture": "0123", "bank": {"format": "featuremaps-bank/1", "layers": []}}"#.utf8), "bank:"),
    ]
    for (path, body, message) in cases {
      let response = try post(server, path, body)
      XCTAssertEqual(response.status, 400, path)
      XCTAssertTrue(response.body.hasPrefix("{\"error\":\""), "\(path): \(response.body)")
      XCTAssertTrue(response.body.contains(message), "\(path): \(response.body)")
      XCTAssertFalse(response.body.contains("\\n"), "one line: \(response.body)")
      try assertStillServing(server)
    }
    XCTAssertTrue(server.log.contains("POST /api/picture: cut.jpg: truncated JPEG"), server.log)
    XCTAssertTrue(server.log.contains("POST /api/weights: cycle.onnx: tensor 'a' is written by two nodes"), server.log)
    XCTAssertEqual(server.stop().status, 0)
  }

  func testNoPathReadsAFileAndTheServerListensOnLoopbackOnly() throws {
    let server = try ServeProcess([])
    for path in ["/../../../../etc/passwd", "//etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../etc/hostname", "/SampleImages/chelsea.png",
                 "/api/../Package.swift"] {
      let response = try get(server, path)
      XCTAssertEqual(response.status, 404, path)
      XCTAssertFalse(response.body.contains("root:"), path)
      XCTAssertTrue(response.body.contains("no such page"), "\(path): \(response.body)")
    }
    // Bound to 127.0.0.1: the kernel's table of listening TCP sockets has this port on 0100007F only.
    let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) + ((try? String(contentsOfFile: "/proc/net/tcp6", encoding: .utf8)) ?? "")
    let hexPort = String(format: "%04X", server.port)
    var listening: [String] = []
    for line in table.split(separator: "\n") {
      let fields: [String] = line.split(separator: " ").map(String.init)
      // Fields: slot, local address, remote address, state (0A: listening).
      if fields.count > 3, fields[1].hasSuffix(":" + hexPort), fields[3] == "0A" { listening.append(fields[1]) }
    }
    XCTAssertEqual(listening, ["0100007F:\(hexPort)"], "listening addresses")
    let stopped = server.stop()
    XCTAssertEqual(stopped.status, 0, "Ctrl-C stops it cleanly")
    XCTAssertTrue(stopped.output.contains("featuremaps serve: stopped"))
  }

  func testBindingElsewhereWarns() throws {
    let server = try ServeProcess(["--bind", "0.0.0.0"])
    XCTAssertTrue(server.log.contains("featuremaps serve: warning: listening on 0.0.0.0: anyone who can reach this address can use the server"), server.log)
    XCTAssertEqual(try get(server, "/").status, 200)
    server.stop()
  }
}
