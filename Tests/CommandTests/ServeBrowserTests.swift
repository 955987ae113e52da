import Foundation
import ImageCodecs
import TestSupport
import XCTest

/// `featuremaps serve` driven as a student would drive it, in headless Chromium through the DevTools
/// protocol (no network but loopback): every map the page shows is the main command's map, pixel for
/// pixel, before and after a kernel edit; a clicked pixel is explained with `explain --json`'s numbers; the
/// teaching switches do what they say; the console stays free of errors.
final class ServeBrowserTests: TemporaryFolderTestCase {
  let photo = Project.path("SampleImages/chelsea.png")

  /// The gray levels of every map the page shows: the canvases' red channel (gray maps: r = g = b).
  func pageMaps(_ browser: DevToolsBrowser) throws -> [(width: Int, height: Int, gray: [UInt8])] {
    let value = try browser.evaluate("""
      Array.from(document.querySelectorAll('#layers canvas')).map((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let s = ''; for (let i = 0; i < d.length; i += 4) s += String.fromCharCode(d[i]);
        return [c.width, c.height, btoa(s)]; })
      """)
    let maps = try XCTUnwrap(value as? [[Any]])
    return maps.map { ($0[0] as! Int, $0[1] as! Int, [UInt8](Data(base64Encoded: $0[2] as! String)!)) }
  }

  /// The main command's maps for `bank`, as gray levels in file order.
  func commandMaps(bank: String, out: String) throws -> [(width: Int, height: Int, gray: [UInt8])] {
    let run = try runFeaturemaps([photo, "--bank", bank, "--out", path(out), "-q"])
    XCTAssertEqual(run.status, 0, run.stderr)
    return try files("\(out)/chelsea").filter { $0.hasSuffix(".png") }.map { name in
      let picture = try PictureDecoder().decode(path: path("\(out)/chelsea/\(name)"))
      return (picture.width, picture.height, picture.samples.map { UInt8(($0 * 255).rounded()) })
    }
  }

  func assertSameMaps(_ page: [(width: Int, height: Int, gray: [UInt8])], _ command: [(width: Int, height: Int, gray: [UInt8])],
                      _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(page.count, command.count, "\(what): number of maps", file: file, line: line)
    for (i, (p, c)) in zip(page, command).enumerated() {
      XCTAssertEqual([p.width, p.height], [c.width, c.height], "\(what): map \(i)'s size", file: file, line: line)
      let differing = zip(p.gray, c.gray).filter { $0 != $1 }.count
      XCTAssertEqual(differing, 0, "\(what): map \(i) differs from the main command's in \(differing) pixels", file: file, line: line)
    }
  }

  func updates(_ browser: DevToolsBrowser) throws -> Int { try browser.evaluate("featuremaps.updates || 0") as? Int ?? 0 }

  /// Runs `action`, then waits until the page has drawn maps again.
  func afterUpdate(_ browser: DevToolsBrowser, _ action: () throws -> Void) throws {
    let before = try updates(browser)
    try action()
    try browser.wait(until: "(featuremaps.updates || 0) > \(before) && !featuremaps.busy")
  }

  func testThePageShowsTheMainCommandsMapsBeforeAndAfterAnEditAndExplainsAClickedPixel() throws {
    let server = try ServeProcess([])
    let browser = try DevToolsBrowser(profile: path("profile"))
    defer { browser.quit() }
    try FileManager.default.createDirectory(atPath: path("downloads"), withIntermediateDirectories: true)
    try browser.send("Browser.setDownloadBehavior", ["behavior": "allow", "downloadPath": path("downloads")], browser: true)
    try browser.open(server.url)
    try browser.wait(until: "window.featuremaps && featuremaps.activations && document.getElementById('bank-name').options.length > 0")

    // The sample picture, and edges chosen: every map equals the main command's.
    try afterUpdate(browser) { try browser.setFile("#picture-file", photo) }
    try afterUpdate(browser) {
      _ = try browser.evaluate("(() => { const s = document.getElementById('bank-name'); s.value = 'edges'; s.dispatchEvent(new Event('change')); })()")
    }
    XCTAssertEqual(try browser.evaluate("featuremaps.bank.name") as? String, "edges")
    XCTAssertEqual(try browser.evaluate("document.getElementById('error').hidden") as? Bool, true)
    assertSameMaps(try pageMaps(browser), try commandMaps(bank: "edges", out: "before"), "edges")

    // A click on map 2 (laplacian): the editor shows its kernels, the panel explains the pixel as `explain --json`.
    let rect = try XCTUnwrap(try browser.evaluate("(() => { const r = document.querySelectorAll('#layers canvas')[2].getBoundingClientRect(); return [r.left, r.top, r.width]; })()") as? [Double])
    try browser.click(x: rect[0] + 2 + 61.3, y: rect[1] + 2 + 40.6)
    try browser.wait(until: "featuremaps.explanation && document.querySelector('#explain img')")
    let clicked = try XCTUnwrap(try browser.evaluate("featuremaps.explained") as? [String: Int])
    XCTAssertEqual(clicked["filter"], 2)
    let shown = try XCTUnwrap(try browser.evaluate("featuremaps.explanation") as? [String: Any])
    let explained = try runFeaturemaps(["explain", photo, "--bank", "edges", "--filter", "laplacian", "--at", "\(clicked["x"]!),\(clicked["y"]!)", "--json"])
    XCTAssertEqual(explained.status, 0, explained.stderr)
    let expected = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(NSDictionary(dictionary: shown), NSDictionary(dictionary: expected), "the panel's numbers are explain --json's")
    let panel = try browser.evaluate("document.getElementById('explain').textContent") as? String ?? ""
    XCTAssertTrue(panel.contains("summed, not averaged"), panel)

    // One kernel cell edited: the maps are the main command's for the bank the page downloads.
    try afterUpdate(browser) {
      _ = try browser.evaluate("""
        (() => { const i = document.querySelector('#editor input[data-channel="1"][data-y="0"][data-x="1"]');
                 i.value = '0.75'; i.dispatchEvent(new Event('input')); })()
        """)
    }
    XCTAssertEqual(try browser.evaluate("featuremaps.bank.layers[0].filters[2].weights[1][0][1]") as? Double, 0.75)
    _ = try browser.evaluate("document.getElementById('download').click()")
    let downloaded = path("downloads/edges.json")
    let deadline = Date().addingTimeInterval(20)
    while !FileManager.default.fileExists(atPath: downloaded) && Date() < deadline { usleep(50_000) }
    let after = try pageMaps(browser)
    assertSameMaps(after, try commandMaps(bank: downloaded, out: "after"), "edited bank")
    let before = try commandMaps(bank: "edges", out: "before-again")
    XCTAssertNotEqual(after[2].gray, before[2].gray, "the edited filter's map changed")
    XCTAssertEqual(after[0].gray, before[0].gray, "the other maps did not")
    try browser.wait(until: "document.querySelector('#explain img')")
    if ProcessInfo.processInfo.environment["FEATUREMAPS_RECORD_SCREENSHOT"] != nil {
      try browser.screenshot().write(to: URL(fileURLWithPath: Project.path("docs/images/serve.png")))
    }

    // The teaching switches: each changes what it says, shows its note, and goes back when unchecked.
    func maxima() throws -> [Double] { try browser.evaluate("featuremaps.layers[0].maps.map((m) => m.maximum)") as? [Double] ?? [] }
    let plainMaxima = try maxima()
    try afterUpdate(browser) { _ = try browser.evaluate("document.getElementById('average').click()") }
    for (averaged, summed) in zip(try maxima(), plainMaxima) { XCTAssertEqual(averaged, summed / 3, accuracy: 1e-5 * abs(summed)) }
    XCTAssertTrue((try browser.evaluate("document.getElementById('switch-note').textContent") as? String ?? "").contains("not what a CNN computes"))
    try afterUpdate(browser) { _ = try browser.evaluate("document.getElementById('average').click()") }

    try afterUpdate(browser) { _ = try browser.evaluate("document.getElementById('tie').click()") }
    XCTAssertNotEqual(try pageMaps(browser)[3].gray, after[3].gray, "red-edge-x with one kernel on every channel is another map")
    try afterUpdate(browser) { _ = try browser.evaluate("document.getElementById('tie').click()") }

    func mapping() throws -> (offset: Double, scale: Double) {
      let m = try XCTUnwrap(try browser.evaluate("[featuremaps.layers[0].maps[0].offset, featuremaps.layers[0].maps[0].gray_step]") as? [Double])
      return (m[0], m[1])
    }
    let unshifted = try mapping()
    try afterUpdate(browser) { _ = try browser.evaluate("document.getElementById('shift').click()") }
    let shifted = try pageMaps(browser)
    let moved = try mapping()
    // Translation equivariance: away from the borders, the shifted picture's map is the map moved 8 pixels
    // (compared as values: the black border changes the gray scale, not the values).
    let (w, h) = (after[0].width, after[0].height)
    var worst = 0.0
    for y in 20..<(h - 20) {
      for x in 20..<(w - 20) {
        let a = unshifted.offset + unshifted.scale * Double(after[0].gray[y * w + x])
        let b = moved.offset + moved.scale * Double(shifted[0].gray[(y + 8) * w + x + 8])
        worst = max(worst, abs(a - b))
      }
    }
    XCTAssertLessThanOrEqual(worst, max(unshifted.scale, moved.scale), "the map moves with the picture (within one gray step)")
    try afterUpdate(browser) { _ = try browser.evaluate("document.getElementById('shift').click()") }
    assertSameMaps(try pageMaps(browser), try commandMaps(bank: downloaded, out: "after-again"), "switches off again")

    // A filter added (a copy of the selected one) and removed again: six maps, then five.
    try afterUpdate(browser) { _ = try browser.evaluate("Array.from(document.querySelectorAll('#editor button')).find((b) => b.textContent.startsWith('Add')).click()") }
    XCTAssertEqual(try pageMaps(browser).count, 6)
    XCTAssertEqual(try browser.evaluate("featuremaps.bank.layers[0].filters[3].name") as? String, "laplacian-copy")
    try afterUpdate(browser) { _ = try browser.evaluate("Array.from(document.querySelectorAll('#editor button')).find((b) => b.textContent.startsWith('Remove')).click()") }
    XCTAssertEqual(try pageMaps(browser).count, 5)

    XCTAssertEqual(browser.errors, [], "the browser console")

    // A damaged picture: said on the page, and the server goes on (the browser logs the refusal's status, so this comes after the console check).
    let broken = path("broken.jpg")
    try Data(try Data(contentsOf: URL(fileURLWithPath: Project.path("SampleImages/rocket.jpg"))).prefix(4000)).write(to: URL(fileURLWithPath: broken))
    try browser.setFile("#picture-file", broken)
    try browser.wait(until: "!document.getElementById('error').hidden")
    XCTAssertTrue((try browser.evaluate("document.getElementById('error').textContent") as? String ?? "").contains("broken.jpg: truncated JPEG"))

    XCTAssertEqual(try browser.evaluate("featuremaps.pictures.length") as? Int, 1)
    let stopped = server.stop()
    XCTAssertEqual(stopped.status, 0)
    XCTAssertTrue(stopped.output.contains("featuremaps serve: stopped"), stopped.output)
  }
}
