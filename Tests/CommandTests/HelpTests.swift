import Foundation
import TestSupport
import XCTest

/// The help texts, compared with committed expected texts (Tests/CommandTests/Expected/). After changing an
/// option or its help on purpose, record them again and read the difference in the commit:
///
///     FEATUREMAPS_RECORD_HELP=1 swift test --filter HelpTests
final class HelpTests: XCTestCase {
  static let expected = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Expected")

  func assertHelp(_ arguments: [String], matches file: String, line: UInt = #line) throws {
    let result = try runFeaturemaps(arguments)
    XCTAssertEqual(result.status, 0, result.stderr, line: line)
    let url = Self.expected.appendingPathComponent(file)
    if ProcessInfo.processInfo.environment["FEATUREMAPS_RECORD_HELP"] == "1" {
      try Data(result.stdout.utf8).write(to: url)
      XCTFail("recorded \(url.path); run the tests again without FEATUREMAPS_RECORD_HELP", line: line)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    if result.stdout != expected {
      let got = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
      let first = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
      XCTFail("""
        `featuremaps \(arguments.joined(separator: " "))` differs from \(file) from line \(first + 1):
          expected: \(first < want.count ? want[first] : "(end)")
          got:      \(first < got.count ? got[first] : "(end)")
        (FEATUREMAPS_RECORD_HELP=1 swift test --filter HelpTests records it again)
        """, line: line)
    }
  }

  func testMainHelp() throws { try assertHelp(["--help"], matches: "help.txt") }
  func testHelpSubcommandIsTheMainHelp() throws { try assertHelp(["help"], matches: "help.txt") }
  func testRunHelp() throws { try assertHelp(["run", "--help"], matches: "run-help.txt") }
  func testBanksHelp() throws { try assertHelp(["banks", "--help"], matches: "banks-help.txt") }
  func testImportHelp() throws { try assertHelp(["import", "--help"], matches: "import-help.txt") }
  func testExplainHelp() throws { try assertHelp(["explain", "--help"], matches: "explain-help.txt") }
  func testSummaryHelp() throws { try assertHelp(["summary", "--help"], matches: "summary-help.txt") }
  func testMontageHelp() throws { try assertHelp(["montage", "--help"], matches: "montage-help.txt") }
  func testKernelsHelp() throws { try assertHelp(["kernels", "--help"], matches: "kernels-help.txt") }
  func testReportHelp() throws { try assertHelp(["report", "--help"], matches: "report-help.txt") }
  func testLearnHelp() throws { try assertHelp(["learn", "--help"], matches: "learn-help.txt") }
  func testServeHelp() throws { try assertHelp(["serve", "--help"], matches: "serve-help.txt") }

  /// The shell completions swift-argument-parser generates name every subcommand and the main options.
  func testCompletionScriptsNameEverySubcommand() throws {
    for shell in ["bash", "zsh", "fish"] {
      let result = try runFeaturemaps(["--generate-completion-script", shell])
      XCTAssertEqual(result.status, 0, shell)
      for word in ["run", "banks", "import", "learn", "explain", "summary", "montage", "kernels", "report", "serve", "normalize", "png16"] {
        XCTAssertTrue(result.stdout.contains(word), "\(shell) completions lack \(word)")
      }
    }
  }
}
