import Basics
import ConvEngine
import FilterBanks

/// Learned centroids as a bank that applies them to raw pictures. Whitening and centring are linear, so
/// they fold into each filter: the response c . W (x - m) of centroid c to a raw patch x is w . x + b with
/// w = W^T c (W is symmetric: W c) and b = -w . m. The per-patch contrast normalisation is not linear and
/// is left out when the bank is applied (a filter's response grows with the patch's contrast).
public enum LearnedBank {
  public struct Layout: Sendable {
    public var stride: Pair = Pair(1)
    public var padding: PaddingRule = .same
    public var activation: Activation = .none
    public init() {}
  }

  /// Filters ordered by cluster size, largest first (ties: the centroid's index), named k00, k01...
  public static func make(name: String, description: String, source: FilterBank.Source, input: FilterBank.Input,
                          size: Int, kmeans: SphericalKMeans, whitening: Whitening, layout: Layout) -> FilterBank {
    let d = kmeans.dimension
    let order = (0..<kmeans.count).sorted { kmeans.sizes[$0] > kmeans.sizes[$1] || (kmeans.sizes[$0] == kmeans.sizes[$1] && $0 < $1) }
    var weights: [Float] = []
    var bias: [Float] = []
    for j in order {
      let w = filter(centroid: Array(kmeans.centroids[(j * d)..<((j + 1) * d)]), whitening: whitening)
      weights += w.map { Float($0) }
      bias.append(Float(-zip(w, whitening.mean).reduce(0) { $0 + $1.0 * $1.1 }))
    }
    let conv = ConvLayer(
      inputChannels: input.channels.count, filterCount: order.count, kernel: Pair(size), weights: weights, bias: bias,
      stride: layout.stride, padding: layout.padding, activation: layout.activation)
    let digits = max(2, String(order.count - 1).count)
    let names = order.indices.map { i in "k" + String(repeating: "0", count: digits - String(i).count) + String(i) }
    return FilterBank(name: name, description: description, source: source, input: input,
                      layers: [BankLayer(layer: .conv(conv), outputNames: names, path: "layers[0]")])
  }

  /// W c, in Double.
  static func filter(centroid: [Double], whitening: Whitening) -> [Double] {
    let d = whitening.dimension
    return (0..<d).map { r in (0..<d).reduce(0.0) { $0 + whitening.matrix[r * d + $1] * centroid[$1] } }
  }
}
