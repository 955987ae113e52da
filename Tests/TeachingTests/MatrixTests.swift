import ConvEngine
import FilterBanks
import MapWriting
import TestSupport
import XCTest

@testable import Teaching

/// The layer as `matrix @ input + bias`: equal to the engine's values before the activation for every
/// padding mode, stride and dilation; and the 1-D example, a banded Toeplitz matrix.
final class MatrixTests: XCTestCase {
  func testTheMatrixProductIsTheLayerForEveryOption() throws {
    var checked = 0
    for seed in UInt64(1)...300 {
      var rng = SeededRandom(seed: seed)
      let (bank, input) = RandomBanks.make(&rng)
      let small = Tensor(channels: input.channels, height: min(input.height, 12), width: min(input.width, 12),
                         values: Array(input.values.prefix(input.channels * min(input.height, 12) * min(input.width, 12))))
      guard let run = try? LayerRun(bank: bank, picture: small, layer: 1) else { continue }
      let matrix = try LayerMatrix(run)
      XCTAssertEqual(matrix.rows, run.output.values.count)
      XCTAssertEqual(matrix.columns, small.values.count)
      let scale = max(matrix.output.map { abs(Double($0)) }.max() ?? 0, 1e-6)
      for (got, want) in zip(matrix.product, matrix.output) {
        XCTAssertEqual(got, Double(want), accuracy: 1e-5 * scale, "seed \(seed): \(run.conv.paddingMode), stride \(run.conv.stride), dilation \(run.conv.dilation)")
      }
      // Zero padding shares every weight exactly; the other modes fold border taps.
      if run.conv.paddingMode == .zeros {
        XCTAssertTrue(matrix.isWeightShared(stride: run.conv.stride, padding: run.geometry.padding), "seed \(seed)")
      }
      checked += 1
    }
    XCTAssertGreaterThan(checked, 200)
  }

  /// A 9-sample signal, a 3-tap kernel, 'same' zero padding: the matrix has k2 on its diagonal, k1 below and
  /// k3 above (a banded Toeplitz matrix), and the product is the convolution.
  func testTheOneDimensionalExampleIsABandedToeplitzMatrix() throws {
    let json = """
      {"format": "featuremaps-bank/1", "input": {"channels": ["Y"]}, "padding": "same",
       "filters": [{"name": "k", "kernels": {"Y": [[0.5, -2, 0.25]]}}]}
      """
    let bank = try FilterBank.parse(Array(json.utf8), file: "toeplitz.json")
    let signal: [Float] = [3, -1, 4, 1, -5, 9, 2, -6, 5]
    let run = try LayerRun(bank: bank, picture: Tensor(channels: 1, height: 1, width: 9, values: signal), layer: 1)
    let matrix = try LayerMatrix(run)
    var dense = [[Double]](repeating: [Double](repeating: 0, count: 9), count: 9)
    for (r, row) in matrix.entries.enumerated() { for entry in row { dense[r][entry.column] = entry.value } }
    for i in 0..<9 {
      for j in 0..<9 {
        let expected: Double = j == i - 1 ? 0.5 : j == i ? -2 : j == i + 1 ? 0.25 : 0
        XCTAssertEqual(dense[i][j], expected, "entry (\(i), \(j))")
      }
    }
    XCTAssertEqual(matrix.product.map { Float($0) }, run.output.values)
    XCTAssertEqual(matrix.distinctValues, 3)
    let text = matrix.text(layer: 1, conv: run.conv, padding: run.geometry.padding, inputNames: ["Y"])
    XCTAssertTrue(text.contains("doubly block Toeplitz"))
    // Labelled: the header names each column's input pixel, each row starts with its output pixel; row i
    // (output x = i) holds k2 = -2 in column i (input x = i), as the dense matrix above says.
    let lines = text.split(separator: "\n").map(String.init)
    let header = try XCTUnwrap(lines.first { $0.contains("out \\ in") })
    XCTAssertEqual(header.split(separator: " ").filter { $0.hasPrefix("Y:") }, (0..<9).map { "Y:0,\($0)" }[...].map { Substring($0) })
    for i in 0..<9 {
      XCTAssertEqual(matrix.rowLabel(i).x, i)
      XCTAssertEqual(matrix.columnLabel(i).x, i)
      let row = try XCTUnwrap(lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("0:0,\(i) ") }, "row of output pixel \(i)")
      XCTAssertEqual(row.split(separator: " ").dropFirst()[1 + i], "-2", row)
    }
  }

  func testLargeInputsAreRefused() throws {
    let run = try LayerRun(bank: try BankCatalog.load("edges").bank, picture: Tensor(channels: 3, height: 40, width: 10), layer: nil)
    XCTAssertThrowsError(try LayerMatrix(run)) { error in
      XCTAssertEqual((error as? TeachingError)?.message,
                     "--matrix is for inputs and outputs of at most 32x32; layer 1 reads 10x40 and writes 10x40 (give a smaller picture)")
    }
  }
}
