import FilterBanks

/// An inference-time batch norm, `y = (x - mean) * gamma / sqrt(variance + epsilon) + beta`, one value per
/// filter: folded into the conv before it (PyTorch, Keras and ONNX files alike), in Double.
struct BatchNorm {
  var gamma: [Double]
  var beta: [Double]
  var mean: [Double]
  var variance: [Double]
  var epsilon: Double
  /// The variance tensor's name, for the refusal of a non-positive one.
  var varianceName: String

  /// Scales each filter's `weights` (F, ...) and turns its `bias` into the normalized one. Every parameter
  /// holds one value per filter (the caller checked their lengths).
  func fold(into weights: inout [Double], bias: inout [Double], field: String) throws(WeightsRequestFailure) {
    let filters = bias.count
    if let bad = variance.firstIndex(where: { !($0 + epsilon > 0) }) {
      throw WeightsRequestFailure(field: field, reason: "'\(varianceName)'[\(bad)] is \(variance[bad]): a variance plus epsilon must be positive")
    }
    let scale = (0..<filters).map { gamma[$0] / (variance[$0] + epsilon).squareRoot() }
    let perFilter = weights.count / filters
    for i in weights.indices { weights[i] *= scale[i / perFilter] }
    for f in 0..<filters { bias[f] = (bias[f] - mean[f]) * scale[f] + beta[f] }
  }
}
