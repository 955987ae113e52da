import Basics
import FilterBanks
import Foundation
import TestSupport
import XCTest

@testable import Serving

/// The live page's computing without its server: the cache keeps the layers an edit does not change, a
/// newer request stops an older one, and the request guard's rules.
final class WorkbenchTests: XCTestCase {
  func picture() throws -> [UInt8] { try FileBytes.read(Project.path("SampleImages/chelsea.png")) }

  func testAnEditOfLayerTwoRecomputesLayerTwoOnlyAndGivesTheMapsOfAFreshRun() throws {
    let workbench = Workbench(threads: 2)
    let served = try workbench.addPicture(try picture(), name: "chelsea.png")
    var bank = try BankCatalog.load("two-layer").bank
    let first = try workbench.maps(MapsRequest(picture: served.id, bank: bank))
    XCTAssertEqual(first.map(\.fromCache), [false, false])
    guard case .conv(var conv) = bank.layers[1].layer else { return XCTFail("layer 2 is a conv layer") }
    conv.weights[4] += 0.5
    bank.layers[1].layer = .conv(conv)
    let edited = try workbench.maps(MapsRequest(picture: served.id, bank: bank))
    XCTAssertEqual(edited.map(\.fromCache), [true, false], "layer 1 from the cache, layer 2 computed")
    let other = Workbench(threads: 2)
    let fresh = try other.maps(MapsRequest(picture: try other.addPicture(try picture(), name: "c").id, bank: bank))
    XCTAssertEqual(edited.map(\.gray), fresh.map(\.gray), "the cached run's maps are a fresh run's")
    XCTAssertNotEqual(edited[1].gray, first[1].gray)
    XCTAssertEqual(edited[0].gray, first[0].gray)
    // Another shift or input scaling is another input: nothing from the cache.
    let shifted = try workbench.maps(MapsRequest(picture: served.id, bank: bank, shift: (8, 8)))
    XCTAssertEqual(shifted.map(\.fromCache), [false, false])
  }

  func testTheCacheHoldsNoMoreThanItsCapacity() throws {
    let workbench = Workbench(cacheBytes: 12 << 20, threads: 2)
    let served = try workbench.addPicture(try picture(), name: "chelsea.png")
    let bank = try BankCatalog.load("edges").bank  // 5 maps of 451x300: 2.7 MB a run
    for shift in 0..<8 {
      _ = try workbench.maps(MapsRequest(picture: served.id, bank: bank, shift: (shift, 0)))
      XCTAssertLessThanOrEqual(workbench.cache.heldBytes, 12 << 20)
    }
    XCTAssertGreaterThan(workbench.cache.heldBytes, 8 << 20)
  }

  func testLargePicturesAreScaledDownAndSaySo() throws {
    let workbench = Workbench(largestSide: 200, threads: 2)
    let served = try workbench.addPicture(try picture(), name: "chelsea.png")
    XCTAssertEqual([served.picture.width, served.picture.height, served.originalWidth, served.originalHeight], [200, 133, 451, 300])
    XCTAssertTrue(served.isScaled)
  }

  func testANewerRequestFromTheSamePageStopsTheOlderOne() async throws {
    let queue = ComputeQueue(maximumWaiting: 4)
    let started = StopFlag()
    async let slow: Bool = queue.run(client: "page") { (stop) throws(ServeError) -> Bool in
      started.raise()
      let deadline = Date().addingTimeInterval(10)
      while !stop.isRaised && Date() < deadline { usleep(1000) }
      return stop.isRaised
    }
    while !started.isRaised { try await Task.sleep(nanoseconds: 1_000_000) }
    let newer = try await queue.run(client: "page") { (_) throws(ServeError) -> Bool in true }
    let olderWasStopped = try await slow
    XCTAssertTrue(newer)
    XCTAssertTrue(olderWasStopped, "the older computation saw its stop flag raised")
  }

  func testTheRequestGuard() {
    let g = RequestGuard(boundAddress: "127.0.0.1", port: 8077)
    XCTAssertNil(g.refusal(host: "127.0.0.1:8077", origin: nil))
    XCTAssertNil(g.refusal(host: "localhost:8077", origin: "http://localhost:8077"))
    XCTAssertNil(g.refusal(host: "[::1]:8077", origin: "http://127.0.0.1:8077"))
    XCTAssertNotNil(g.refusal(host: "127.0.0.1", origin: nil), "no port")
    XCTAssertNotNil(g.refusal(host: "attacker.example:8077", origin: nil), "DNS rebinding")
    XCTAssertNotNil(g.refusal(host: "127.0.0.1:8077", origin: "https://127.0.0.1:8077"))
    XCTAssertNotNil(g.refusal(host: "127.0.0.1:8077", origin: "http://127.0.0.1:8077.attacker.example"))
    XCTAssertNotNil(g.refusal(host: nil, origin: nil))
    let lan = RequestGuard(boundAddress: "192.168.1.5", port: 80)
    XCTAssertNil(lan.refusal(host: "192.168.1.5:80", origin: "http://192.168.1.5:80"))
    XCTAssertNotNil(lan.refusal(host: "evil.example:80", origin: nil))
  }
}
