import Foundation
import TestSupport
import XCTest

/// The command line's contract, subcommand by subcommand: typed option values refused at parse time with a
/// message that shows a valid one (status 2), negative numbers written the natural way, a mistyped
/// subcommand named, and the exit status of each kind of failure in the README's table.
final class CommandLineContractTests: TemporaryFolderTestCase {
  let photo = Project.path("SampleImages/coffee.png")
  let weights = Project.path("Tests/WeightsFilesTests/Files/conv.npy")

  /// (arguments, the first line of standard error): each refused with status 2 and nothing written.
  var badValues: [([String], String)] {
    let run = [photo, "--bank", "edges", "--out", path("maps")]
    let explain = ["explain", photo, "--bank", "edges"]
    let importing = ["import", weights, "--out", path("b.json")]
    let learn = ["learn", photo, "--filters", "4", "--size", "3", "--out", path("l.json")]
    return [
      (run + ["--format", "gif"], "Error: The value 'gif' is invalid for '--format <format>': give png, png16 or npy, e.g. --format png16"),
      (run + ["--normalize", "range:1,-1"],
       "Error: The value 'range:1,-1' is invalid for '--normalize <mode>': give auto, symmetric, minmax, abs, range:LO,HI (LO < HI) or percentile:P (0 <= P < 50), e.g. --normalize range:-1,1 or --normalize percentile:1"),
      (run + ["--scale", "all"], "Error: The value 'all' is invalid for '--scale <scope>'. Please provide one of 'per-map' and 'shared'."),
      (run + ["--stats", "some"], "Error: The value 'some' is invalid for '--stats <region>'. Please provide one of 'all' and 'interior'."),
      (run + ["--shard", "3/2"], "Error: The value '3/2' is invalid for '--shard <I/N>': give I/N with 1 <= I <= N, e.g. --shard 2/4"),
      (run + ["--png-filter", "paeth"], "Error: The value 'paeth' is invalid for '--png-filter <filter>'. Please provide one of 'none' and 'up'."),
      (run + ["--engine", "fast"], "Error: The value 'fast' is invalid for '--engine <algorithm>'. Please provide one of 'direct' and 'auto'."),
      (run + ["--log", "text"], "Error: The value 'text' is invalid for '--log <format>'. Please provide one of 'json'."),
      (explain + ["--at", "3"], "Error: The value '3' is invalid for '--at <x,y>': give X,Y: the column and row in the layer's output map, e.g. --at 12,7"),
      (explain + ["--at", "-1,5"],
       "Error: The value '-1,5' is invalid for '--at <x,y>': a column and a row count from 0, so neither can be negative; e.g. --at 0,5"),
      (explain + ["--at", "1,1", "--normalize", "pct"],
       "Error: The value 'pct' is invalid for '--normalize <mode>': give auto, symmetric, minmax, abs, range:LO,HI (LO < HI) or percentile:P (0 <= P < 50), e.g. --normalize range:-1,1 or --normalize percentile:1"),
      (importing + ["--stride", "0"], "Error: The value '0' is invalid for '--stride <s>': give N or Y,X with whole numbers from 1 to 64, e.g. 2 or 2,1"),
      (importing + ["--padding", "full"],
       "Error: The value 'full' is invalid for '--padding <p>': give same, valid, N, PY,PX or TOP,LEFT,BOTTOM,RIGHT (0 to 1024), e.g. same or 1 or 0,1,1,0"),
      (importing + ["--padding-mode", "mirror"],
       "Error: The value 'mirror' is invalid for '--padding-mode <mode>'. Please provide one of 'zeros', 'reflect', 'replicate', 'circular' or 'symmetric'."),
      (importing + ["--activation", "swish"],
       "Error: The value 'swish' is invalid for '--activation <a>': give none, relu, relu6, leaky_relu, sigmoid, tanh, silu, hard_swish, hard_sigmoid, gelu, gelu_tanh, elu, mish, clip or prelu, e.g. --activation relu or --activation clip:0,6"),
      (importing + ["--activation", "clip:0,x"],
       "Error: The value 'clip:0,x' is invalid for '--activation <a>': clip's parameters are numbers after a colon, e.g. --activation clip:0,6"),
      (importing + ["--layout", "NCHW"], "Error: The value 'NCHW' is invalid for '--layout <layout>'. Please provide one of 'OIHW' and 'HWIO'."),
      (importing + ["--channels", "R,R"], "Error: The value 'R,R' is invalid for '--channels <list>': list R, G, B (in any order, each once) or Y alone, e.g. --channels B,G,R"),
      (importing + ["--range", "1,-1"], "Error: The value '1,-1' is invalid for '--range <lo,hi>': give LO,HI with LO < HI, e.g. --range -1,1"),
      (importing + ["--mean", "a,b,c"], "Error: The value 'a,b,c' is invalid for '--mean <list>': give numbers separated by commas, e.g. -0.5,0.25,0"),
      (importing + ["--mean", "-1,1"], "Error: --mean needs 3 numbers, one per input channel, not 2"),
      (importing + ["--source", "license"], "Error: The value 'license' is invalid for '--source <key=value>': give KEY=VALUE, e.g. --source license=MIT"),
      (learn + ["--whiten", "pca"], "Error: The value 'pca' is invalid for '--whiten <zca|none>'. Please provide one of 'zca' and 'none'."),
      (learn + ["--stride", "1,2,3"], "Error: The value '1,2,3' is invalid for '--stride <s>': give N or Y,X with whole numbers from 1 to 64, e.g. 2 or 2,1"),
      (["summary", "edges", "--input", "10by10"], "Error: The value '10by10' is invalid for '--input <WIDTHxHEIGHT>': give WIDTHxHEIGHT, e.g. --input 224x224"),
    ]
  }

  func testEveryTypedOptionRefusesABadValueWithAnExample() throws {
    for (arguments, line) in badValues {
      let result = try runFeaturemaps(arguments)
      XCTAssertEqual(result.status, 2, arguments.joined(separator: " "))
      XCTAssertEqual(result.stderr.split(separator: "\n").first.map(String.init), line, arguments.joined(separator: " "))
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("maps")))
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("b.json")))
    XCTAssertFalse(FileManager.default.fileExists(atPath: path("l.json")))
  }

  /// `--range -1,1` and `--mean -0.5,...` are values, not options; the bank records them.
  func testNegativeNumbersAfterRangeMeanAndStdAreValues() throws {
    let out = path("b.json")
    let result = try runFeaturemaps(["import", weights, "--range", "-1,1", "--mean", "-0.5,-0.25,0", "--std", "0.5,0.5,0.5", "--out", out])
    XCTAssertEqual(result.status, 0, result.stderr)
    let bank = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
    let input = try XCTUnwrap(bank?["input"] as? [String: Any])
    XCTAssertEqual(input["range"] as? [Double], [-1, 1])
    XCTAssertEqual(input["mean"] as? [Double], [-0.5, -0.25, 0])
    XCTAssertEqual(input["std"] as? [Double], [0.5, 0.5, 0.5])
  }

  func testAMistypedSubcommandIsNamedWithTheClosestOne() throws {
    for (typed, meant) in [("summry", "summary"), ("exlain", "explain"), ("kernel", "kernels"), ("reprot", "report")] {
      let result = try runFeaturemaps([typed, "edges"])
      XCTAssertEqual(result.status, 2)
      XCTAssertEqual(result.stderr, "featuremaps: unknown subcommand '\(typed)'; did you mean '\(meant)'? (featuremaps --help lists them)\n")
    }
    // A picture's name that is close to a subcommand but exists is a picture.
    try FileManager.default.copyItem(atPath: photo, toPath: path("banks"))
    let result = try runFeaturemaps(["banks", "--help"], in: URL(fileURLWithPath: path(".")))
    XCTAssertEqual(result.status, 0)
  }

  /// The README's table: 1 a picture or input failed; 2 bad usage, a bad bank or weights file, an output
  /// that cannot be created, a bad --layer.
  func testEachKindOfFailureHasTheDocumentedStatus() throws {
    try Data("not a picture".utf8).write(to: URL(fileURLWithPath: path("fake.jpg")))
    try FileManager.default.createDirectory(atPath: path("empty"), withIntermediateDirectories: true)
    let cases: [([String], Int32, String)] = [
      ([photo, path("missing.jpg"), "--bank", "edges", "--out", path("maps")], 1, "a picture missing among others"),
      ([photo, "--bank", "nope.json", "--out", path("maps")], 2, "a missing bank"),
      (["import", path("fake.jpg"), "--out", path("b.json")], 2, "a weights file that is not one"),
      ([photo, "--bank", "edges", "--out", "/proc/featuremaps-cannot/maps"], 2, "an --out that cannot be created"),
      (["kernels", "edges", "--out", path("missing/k.png")], 2, "a kernels picture in a missing folder"),
      (["explain", path("fake.jpg"), "--bank", "edges", "--at", "1,1"], 1, "explain on a picture that is not one"),
      (["explain", photo, "--bank", "edges", "--at", "1,1", "--layer", "2"], 2, "explain with a bad --layer"),
      (["kernels", "edges", "--layer", "3", "--out", path("k.png")], 2, "kernels with a bad --layer"),
      (["montage", path("empty")], 2, "montage on a folder that is not an output folder"),
      (["summary", "nope"], 2, "summary of a bank that does not exist"),
      (["report", path("fake.jpg"), "--bank", "edges", "--out", path("report")], 1, "a report on a picture that is not one"),
    ]
    for (arguments, status, what) in cases {
      let result = try runFeaturemaps(arguments)
      XCTAssertEqual(result.status, status, "\(what): \(result.stderr)")
      XCTAssertTrue(result.stderr.hasPrefix("featuremaps: "), "\(what): \(result.stderr)")
    }
  }
}
