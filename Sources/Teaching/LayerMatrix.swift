import Basics
import ConvEngine
import Foundation

/// A conv layer written as a matrix product, `matrix @ input + bias = output`: one row per output value
/// (filter, row, column), one column per input value (channel, row, column). Built from the same terms as
/// `explain` (ReferenceEngine.value): a tap on a padded position adds its weight to the column of the input
/// value the padding mode copies there (reflect, replicate, circular and symmetric are linear), and adds
/// nothing for zeros. `output` is the engine's value before the activation, which is not linear.
public struct LayerMatrix: Sendable {
  /// Both sides of the layer's input and output at most this.
  public static let maximumSide = 32

  public var rows: Int
  public var columns: Int
  /// Per row, its non-zero entries (column, value), columns ascending.
  public var entries: [[(column: Int, value: Double)]]
  public var input: [Float]
  public var bias: [Float]
  public var output: [Float]
  /// The filters whose rows are kept.
  public var filters: [Int]
  public var outputSize: (height: Int, width: Int)
  public var inputShape: (channels: Int, height: Int, width: Int)

  /// The matrix of `run`'s layer, for `filters` (all by default).
  public init(_ run: LayerRun, filters: [Int]? = nil) throws(TeachingError) {
    let (input, output, conv) = (run.input, run.output, run.conv)
    guard max(input.height, input.width, output.height, output.width) <= Self.maximumSide else {
      throw TeachingError("--matrix is for inputs and outputs of at most \(Self.maximumSide)x\(Self.maximumSide); layer \(run.number) reads \(input.width)x\(input.height) and writes \(output.width)x\(output.height) (give a smaller picture)")
    }
    let kept = filters ?? Array(0..<conv.filterCount)
    var linear = conv
    linear.activation = .none
    var preActivation: Tensor
    do {
      preActivation = try Engine(threads: 1).apply(linear, to: input)
    } catch {
      throw TeachingError(error.description)
    }
    let plane = output.height * output.width
    var entries: [[(column: Int, value: Double)]] = []
    var values: [Float] = []
    var bias: [Float] = []
    for f in kept {
      for oy in 0..<output.height {
        for ox in 0..<output.width {
          var row: [Int: Double] = [:]
          _ = ReferenceEngine.value(of: conv, filter: f, y: oy, x: ox, input: input, padding: run.geometry.padding) { term in
            guard let sy = conv.paddingMode.sourceIndex(term.row, side: input.height),
              let sx = conv.paddingMode.sourceIndex(term.column, side: input.width)
            else { return }  // zero padding: no input value
            row[(term.channel * input.height + sy) * input.width + sx, default: 0] += Double(term.weight)
          }
          entries.append(row.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { (column: $0.key, value: $0.value) })
          values.append(preActivation.values[f * plane + oy * output.width + ox])
          bias.append(conv.bias[f])
        }
      }
    }
    rows = entries.count
    columns = input.values.count
    self.entries = entries
    self.input = input.values
    self.bias = bias
    self.output = values
    self.filters = kept
    outputSize = (output.height, output.width)
    inputShape = (input.channels, input.height, input.width)
  }

  public var nonZeros: Int { entries.reduce(0) { $0 + $1.count } }

  /// The product `matrix @ input + bias`, in Double.
  public var product: [Double] {
    entries.enumerated().map { r, row in row.reduce(Double(bias[r])) { $0 + $1.value * Double(input[$1.column]) } }
  }

  /// Whether every row holds the same weights at the same offsets from where its pixel starts reading,
  /// within each (filter, channel) block: the weight sharing, seen in the matrix. With stride 1 and zero
  /// padding each block is then doubly block Toeplitz.
  public func isWeightShared(stride: Pair, padding: Padding) -> Bool {
    var pattern: [Int: [Int: Double]] = [:]  // filter -> (channel, dy, dx) key -> weight
    let (h, w) = (inputShape.height, inputShape.width)
    for (r, row) in entries.enumerated() {
      let f = filters[r / (outputSize.height * outputSize.width)]
      let oy = r / outputSize.width % outputSize.height
      let ox = r % outputSize.width
      for entry in row {
        let c = entry.column / (h * w)
        let dy = entry.column / w % h - (oy * stride.y - padding.top)
        let dx = entry.column % w - (ox * stride.x - padding.left)
        let key = (c * 10_000 + dy + 5_000) * 10_000 + dx + 5_000
        if let known = pattern[f, default: [:]][key], known != entry.value { return false }
        pattern[f, default: [:]][key] = entry.value
      }
    }
    return true
  }

  /// Distinct non-zero values among the entries: the free parameters the matrix shares.
  public var distinctValues: Int { Set(entries.joined().map(\.value)).count }
}
