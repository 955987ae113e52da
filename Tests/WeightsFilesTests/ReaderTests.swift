import Foundation
import TestSupport
import XCTest

@testable import WeightsFiles

/// Every reader against the values NumPy wrote (Files/expected.json, made with the files by
/// Files/make_weights.py): the files themselves were written by NumPy, safetensors, PyTorch, ONNX and Keras.
final class ReaderTests: XCTestCase {
  static let files = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Files")
  static func path(_ name: String) -> String { files.appendingPathComponent(name).path }

  /// The arrays as NumPy held them, flattened row-major, with their shapes.
  static let expected: [String: (shape: [Int], values: [Float])] = {
    let data = try! Data(contentsOf: files.appendingPathComponent("expected.json"))
    let json = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    func flatten(_ value: Any) -> (shape: [Int], values: [Float]) {
      if let list = value as? [Any] {
        let parts = list.map(flatten)
        return ([list.count] + (parts.first?.shape ?? []), parts.flatMap(\.values))
      }
      return ([], [Float((value as! NSNumber).doubleValue)])
    }
    return json.mapValues(flatten)
  }()

  func assertTensor(_ file: String, _ name: String, equals expectedName: String, line: UInt = #line) throws {
    let reader = try WeightsFile.open(Self.path(file))
    let tensor = try reader.require(name)
    let expected = try XCTUnwrap(Self.expected[expectedName], line: line)
    XCTAssertEqual(tensor.shape, expected.shape, "\(file): \(name)", line: line)
    XCTAssertEqual(tensor.values, expected.values, "\(file): \(name)", line: line)
  }

  func testNumPyVersionsByteOrdersTypesAndFortranOrder() throws {
    try assertTensor("conv.npy", "conv", equals: "conv.weight")
    try assertTensor("conv-v2-big-f8.npy", "conv-v2-big-f8", equals: "conv.weight")
    try assertTensor("conv-v3-f2-fortran.npy", "conv-v3-f2-fortran", equals: "conv.weight")
    XCTAssertEqual(try WeightsFile.open(Self.path("conv.npy")).format, .npy)
  }

  func testNPZStoredAndDeflated() throws {
    for file in ["weights.npz", "weights-deflated.npz"] {
      for name in ["conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"] {
        try assertTensor(file, name, equals: name)
      }
    }
  }

  func testSafetensorsInEveryFloatType() throws {
    for type in ["f32", "f16", "bf16", "f64"] {
      let reader = try WeightsFile.open(Self.path("weights-\(type).safetensors"))
      XCTAssertEqual(reader.format, .safetensors)
      XCTAssertEqual(reader.tensors.first { $0.name == "conv.weight" }?.dtype, type.uppercased())
      try assertTensor("weights-\(type).safetensors", "conv.weight", equals: "conv.weight")
      try assertTensor("weights-\(type).safetensors", "bn.running_var", equals: "bn.running_var")
    }
  }

  func testPyTorchZipLegacyNestedAndStrided() throws {
    XCTAssertEqual(try WeightsFile.open(Self.path("state-dict.pth")).format, .pytorchZip)
    XCTAssertEqual(try WeightsFile.open(Self.path("state-dict-legacy.pth")).format, .pytorchLegacy)
    for file in ["state-dict.pth", "state-dict-legacy.pth"] {
      try assertTensor(file, "conv.weight", equals: "conv.weight")
      try assertTensor(file, "bn.running_mean", equals: "bn.running_mean")
      // num_batches_tracked is an int64 tensor: listed, not read.
      let reader = try WeightsFile.open(Self.path(file))
      XCTAssertEqual(reader.tensors.map(\.name).last, "bn.num_batches_tracked")
      XCTAssertThrowsError(try reader.read("bn.num_batches_tracked")) { error in
        XCTAssertEqual((error as? WeightsError)?.reason, "tensor 'bn.num_batches_tracked' is int64; featuremaps reads float tensors")
      }
    }
    // {"epoch": 7, "state_dict": {...}, "optimizer": {...}}: the state dict's keys, joined with dots.
    try assertTensor("checkpoint.pth", "state_dict.conv.weight", equals: "conv.weight")
    // A transposed view of the weight's storage, saved with its strides.
    try assertTensor("strided.pth", "conv.weight.t", equals: "conv.weight.t")
  }

  func testONNXFloatDataRawDataAndConstants() throws {
    try assertTensor("convs.onnx", "conv1.weight", equals: "conv.weight")  // raw_data
    try assertTensor("convs.onnx", "conv1.bias", equals: "conv.bias")  // float_data
    let reader = try XCTUnwrap(try WeightsFile.open(Self.path("convs.onnx")) as? ONNXReader)
    XCTAssertEqual(try reader.require("six").values, [6])  // a Constant node's value
    XCTAssertEqual(reader.convs.map(\.name), ["first", "second"])
    XCTAssertEqual(reader.convs[0].folded, [.batchNorm(scale: "bn.scale", bias: "bn.B", mean: "bn.mean", variance: "bn.var", epsilon: 1e-5)])
    XCTAssertEqual(reader.convs[0].activation, ONNXActivation(op: "Relu"))
    XCTAssertEqual(reader.convs[1].folded, [.add("add.bias"), .subtract("sub.mean"), .multiply("mul.scale"), .add("add.beta")])
    XCTAssertEqual(reader.convs[1].activation, ONNXActivation(op: "Clip", minimum: 0, maximum: 6))
    XCTAssertEqual([reader.convs[1].strides, reader.convs[1].pads, reader.convs[1].dilations], [[2, 1], [0, 1, 2, 1], [1, 2]])
  }

  func testKerasWeightsH5AndH5() throws {
    try assertTensor("keras3.weights.h5", "layers/conv2d/vars/0", equals: "hwio")
    try assertTensor("keras3.weights.h5", "layers/batch_normalization/vars/3", equals: "bn.running_var")
    try assertTensor("keras2.h5", "model_weights/conv/sequential/conv/kernel", equals: "hwio")
    try assertTensor("keras2.h5", "model_weights/bn/sequential/bn/gamma", equals: "bn.weight")
  }

  func testAMissingTensorNamesTheClosestOnes() throws {
    let reader = try WeightsFile.open(Self.path("state-dict.pth"))
    XCTAssertThrowsError(try reader.require("conv.wieght")) { error in
      XCTAssertEqual((error as? WeightsError)?.reason, "has no tensor 'conv.wieght'; the closest are conv.weight, bn.weight, conv.bias")
    }
  }

  func testHalfPrecisionConvertsEveryKindOfValue() {
    XCTAssertEqual(ElementType.halfToFloat(0x3C00), 1)
    XCTAssertEqual(ElementType.halfToFloat(0xC000), -2)
    XCTAssertEqual(ElementType.halfToFloat(0x7BFF), 65504)  // the largest half
    XCTAssertEqual(ElementType.halfToFloat(0x0001), 0x1p-24)  // the smallest subnormal
    XCTAssertEqual(ElementType.halfToFloat(0x8000).sign, .minus)
    XCTAssertEqual(ElementType.halfToFloat(0x7C00), .infinity)
    XCTAssertTrue(ElementType.halfToFloat(0x7E00).isNaN)
  }
}
