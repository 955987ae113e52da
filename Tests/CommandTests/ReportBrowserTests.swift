import Foundation
import ImageCodecs
import TestSupport
import XCTest

/// `featuremaps report` opened in a real browser (Debian's chromium, headless) from file:// with the network
/// unavailable: no error, every image loaded, the summary's totals, and a clicked pixel explained with the
/// numbers `featuremaps explain --json` gives for it.
final class ReportBrowserTests: TemporaryFolderTestCase {
  let photo = Project.path("SampleImages/chelsea.png")

  static let browser: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// Whether the browser can be started in a network namespace of its own (no interface but loopback,
  /// down): then nothing can be fetched whatever the page asks for.
  static let canUnshareNetwork: Bool = {
    guard let status = try? run("/usr/bin/unshare", ["-n", "true"]).status else { return false }
    return status == 0
  }()

  static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// Opens the page with the test hook and returns what it wrote into #test-result.
  func openInBrowser(_ page: String, click: (layer: Int, map: Int, x: Int, y: Int)) throws -> [String: Any] {
    let browser = try XCTUnwrap(Self.browser, "the report's browser test needs chromium: apt-get install chromium")
    let url = URL(fileURLWithPath: page).absoluteString + "#test=\(click.layer),\(click.map),\(click.x),\(click.y)"
    var arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=" + path("profile"),
                     "--virtual-time-budget=20000", "--dump-dom", url]
    // Without a network namespace, send every request to an address where nothing listens.
    if !Self.canUnshareNetwork { arguments.insert(contentsOf: ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"], at: 0) }
    let (executable, all) = Self.canUnshareNetwork ? ("/usr/bin/unshare", ["-n", browser] + arguments) : (browser, arguments)
    let result = try Self.run(executable, all)
    XCTAssertEqual(result.status, 0)
    let marker = "<pre id=\"test-result\" hidden=\"\">"
    let start = try XCTUnwrap(result.stdout.range(of: marker), "no #test-result in the page's DOM").upperBound
    let end = try XCTUnwrap(result.stdout.range(of: "</pre>", range: start..<result.stdout.endIndex)).lowerBound
    let text = String(result.stdout[start..<end]).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
      .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
    return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
  }

  func testReportOpensOfflineWithEveryImageAndExplainsAClickedPixelAsExplainDoes() throws {
    // Layer 1 at a corner (padding), a trained stride-2 layer, layer 2 (it reads layer 1's maps), a depthwise layer.
    for (bank, clicks) in [("edges", [(1, 2, 0, 0)]), ("resnet50-conv1", [(1, 5, 40, 30)]), ("two-layer", [(2, 1, 100, 60)]),
                           ("mobilenet-v2-block1", [(2, 7, 55, 3)]), ("vgg16-block1", [(2, 5, 100, 70)])] {
      let out = path("report-\(bank)")
      let made = try runFeaturemaps(["report", photo, "--bank", bank, "--out", out])
      XCTAssertEqual(made.status, 0, made.stderr)
      let page = out + "/index.html"
      let html = try String(contentsOfFile: page, encoding: .utf8)
      if bank == "vgg16-block1" {
        // 128 maps of 224x149 and the picture, in the page: under 10 MB (compressed; 23.6 MB as plain base64).
        XCTAssertLessThan(html.utf8.count, 10_000_000, "the page of vgg16-block1")
      }

      // Self-contained: every src and href is an image of the report or a place in the page.
      let references = try NSRegularExpression(pattern: "\\b(?:src|href)=\"([^\"]*)\"").matches(in: html, range: NSRange(html.startIndex..., in: html))
        .map { String(html[Range($0.range(at: 1), in: html)!]) }
      XCTAssertFalse(references.isEmpty)
      for reference in references { XCTAssertTrue(reference.hasPrefix("images/") || reference.hasPrefix("#"), "\(bank): \(reference)") }
      XCTAssertFalse(html.contains("@import") || html.contains("url("), "\(bank): the style fetches something")

      let picture = try PictureDecoder().decode(path: out + "/images/picture.png")
      XCTAssertEqual(max(picture.width, picture.height), 224)
      let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(
        try runFeaturemaps(["summary", bank, "--input", "\(picture.width)x\(picture.height)", "--json"]).stdout.utf8)) as? [String: Any])

      for click in clicks {
        let result = try openInBrowser(page, click: click)
        XCTAssertEqual(result["errors"] as? [String], [], "\(bank): errors in the page")
        let images = try XCTUnwrap(result["images"] as? [[String: Any]])
        let written = files("report-\(bank)/images").map { "images/" + $0 }
        XCTAssertEqual(Set(images.map { $0["src"] as! String }), Set(written), "\(bank): every image written is on the page")
        for image in images { XCTAssertGreaterThan(image["naturalWidth"] as! Int, 0, "\(bank): \(image["src"]!) did not load") }
        let totals = try XCTUnwrap(result["totals"] as? [String: Any])
        XCTAssertEqual(totals["parameters"] as? Int, summary["total_parameters"] as? Int)
        XCTAssertEqual(totals["multiplyAdds"] as? Int, summary["total_multiply_adds"] as? Int)

        XCTAssertEqual(result["panelShown"] as? Bool, true)
        let shown = try XCTUnwrap(result["shown"] as? [String: Double])
        let explained = try runFeaturemaps(["explain", out + "/images/picture.png", "--bank", bank, "--layer", "\(click.0)",
                                            "--filter", "\(click.1)", "--at", "\(click.2),\(click.3)", "--json"])
        XCTAssertEqual(explained.status, 0, explained.stderr)
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any])
        XCTAssertTrue((result["heading"] as! String).hasSuffix("pixel (\(click.2), \(click.3))"), result["heading"] as! String)
        for (key, name) in [("sum", "sum"), ("bias", "bias"), ("preActivation", "pre_activation"), ("definedValue", "defined_value"),
                            ("value", "value"), ("gray", "gray")] {
          XCTAssertEqual(shown[key], expected[name] as? Double, "\(bank) \(click): \(key)")
        }
        let channels = try XCTUnwrap(expected["channels"] as? [[String: Any]])
        for (c, channel) in channels.enumerated() {
          XCTAssertEqual(shown["channel-sum-\(c)"], channel["sum"] as? Double, "\(bank) \(click): channel \(c)")
        }
        XCTAssertNil(shown["channel-sum-\(channels.count)"])
      }
    }
  }

  /// A picture whose layer values would make the page too heavy is refused in one line, before writing.
  func testReportRefusesAPageTooHeavyToOpen() throws {
    let result = try runFeaturemaps(["report", photo, "--bank", "vgg16-block1", "--size", "0", "--out", path("big")])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.stderr.hasPrefix("featuremaps: the page would embed "), result.stderr)
    XCTAssertTrue(result.stderr.contains("--size"), result.stderr)
    XCTAssertEqual(result.stderr.split(separator: "\n").count, 1)
  }
}
