import Foundation
import TestSupport
import XCTest

@testable import WeightsFiles

/// Files that lie, are cut short or try to run something: refused with one line, nothing run, nothing large
/// allocated.
final class HostileFileTests: XCTestCase {
  func refusal(_ file: String, tensor: String? = nil) -> String {
    do throws(WeightsError) {
      let reader = try WeightsFile.open(ReaderTests.path(file))
      if let tensor { _ = try reader.require(tensor) } else { for info in reader.tensors { _ = try? reader.read(info.name) } }
      return "accepted"
    } catch {
      return error.reason
    }
  }

  func testPicklesThatNameAnythingButAStateDictAreRefusedAndNothingRuns() {
    let marker = "/tmp/featuremaps-pickle-ran"
    unlink(marker)
    XCTAssertEqual(refusal("evil.pth"), "the pickle names 'posix.system', which is not part of a state dict: refused, nothing in the file was run")
    XCTAssertEqual(refusal("evil-legacy.pth"), "the pickle names 'posix.system', which is not part of a state dict: refused, nothing in the file was run")
    XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the pickle's command ran")
    XCTAssertEqual(refusal("whole-model.pth"),
                   "holds a whole pickled model ('torch.nn.modules.container.Sequential'), not its weights; save them with torch.save(model.state_dict(), PATH) and import that file")
  }

  /// A tensor of more than 8 dimensions (here an .npy of shape (1, 1, ..., 1), 9 of them).
  func testTensorsOfMoreThanEightDimensionsAreRefused() throws {
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [0, 0, 0, 0]
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("rank9-\(UUID().uuidString).npy")
    try Data(bytes).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    do throws(WeightsError) {
      let reader = try WeightsFile.open(file.path)
      _ = try reader.read(reader.tensors[0].name)
      XCTFail("accepted")
    } catch {
      XCTAssertTrue(error.reason.hasSuffix("has 9 dimensions, over the limit of 8"), error.reason)
    }
  }

  func testHeadersThatClaimMoreThanTheFileHolds() {
    XCTAssertEqual(refusal("lying-shape.npy", tensor: "lying-shape"),
                   "tensor 'lying-shape' has 10000000000 elements, over the limit of 16777216 for weights")
    XCTAssertEqual(refusal("header-2e60.safetensors"), "the safetensors header claims 1152921504606846976 bytes, more than the file's 9")
    XCTAssertEqual(refusal("offsets-past-end.safetensors"), "tensor 'w': data_offsets [0, 432000] lie outside the 432 bytes of data")
    XCTAssertEqual(refusal("huge-string.pth"), "the pickle claims 4294967280 bytes, more than the file holds")
    XCTAssertEqual(refusal("bomb.npz"), "member 'w.npy' inflates past the 1000 bytes it declares (a zip bomb?)")
    XCTAssertEqual(refusal("external.onnx", tensor: "conv1.weight"),
                   "tensor 'conv1.weight' is stored outside the .onnx file (external data); featuremaps reads weights stored in the file")
  }

  /// Every good file cut at several places: a one-line refusal (or, cut after the data, the same values),
  /// never a crash.
  func testTruncatedFilesOfEveryFormatAreRefused() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fm-truncated-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var refused = 0
    for file in ["conv.npy", "weights.npz", "weights-f32.safetensors", "state-dict.pth", "state-dict-legacy.pth", "convs.onnx",
                 "keras3.weights.h5"] {
      let bytes = try Data(contentsOf: URL(fileURLWithPath: ReaderTests.path(file)))
      for fraction in [0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
        let cut = folder.appendingPathComponent(file)
        try bytes.prefix(Int(Double(bytes.count) * fraction)).write(to: cut)
        do throws(WeightsError) {
          let reader = try WeightsFile.open(cut.path)
          for info in reader.tensors { _ = try reader.read(info.name) }
          XCTFail("\(file) cut to \(fraction) was read whole")
        } catch {
          XCTAssertFalse(error.description.contains("\n"), "\(file) at \(fraction): \(error)")
          refused += 1
        }
      }
    }
    XCTAssertEqual(refused, 49)
  }
}

extension HostileFileTests {
  /// A dict that holds itself under two keys (found in spirit by fuzz-onnx, whose leak report showed a
  /// pickle cycle): no leak, and the walk over it ends at once with a refusal.
  func testAPickledDictThatHoldsItselfIsRefusedQuickly() {
    XCTAssertEqual(refusal("dict-in-itself.pth"), "the pickle nests dicts too deeply (or in a loop)")
  }
}

extension HostileFileTests {
  /// fuzz-hdf5: a damaged HDF5 file for which libhdf5 reports an element size of billions of bytes made the
  /// listing's "float<bits>" overflow and trap. It is listed or refused, never a trap.
  func testAnHDF5ElementSizeOfBillionsOfBytesDoesNotTrap() {
    let result = refusal("hdf5-huge-element-size.h5")
    XCTAssertFalse(result.contains("\n"), result)
  }

  /// fuzz-hdf5's finding: a damaged symbol table makes libhdf5 itself read through a null pointer while
  /// listing the groups. libhdf5 runs in a child process, so this process goes on, and reads HDF5 after it.
  func testAnHDF5FileThatCrashesLibhdf5IsRefusedAndTheProcessGoesOn() {
    let result = refusal("hdf5-null-heap.h5")
    XCTAssertTrue(result.hasPrefix("made libhdf5 crash (signal ") && result.hasSuffix("): the file is damaged"), result)
    XCTAssertEqual(refusal("keras3.weights.h5"), "accepted")
  }
}
