import FilterBanks
import WeightsFiles

/// What every weights target does with its input.
public enum WeightsFuzzing {
  public static func exercise(_ path: String) {
    guard let reader = try? WeightsFile.open(path) else { return }
    for info in reader.tensors.prefix(64) {
      guard let tensor = try? reader.read(info.name) else { continue }
      if tensor.shape.count == 4, tensor.shape[1] > 0 {
        _ = try? WeightsImport(weight: info.name).apply(to: reader, channels: tensor.shape[1], groups: 1)
      }
    }
    if let onnx = reader as? ONNXReader, let conv = onnx.convs.first, let weight = try? onnx.read(conv.weight), weight.shape.count == 4 {
      if var result = try? WeightsImport(weight: conv.weight, bias: conv.bias).apply(to: reader, channels: weight.shape[1], groups: 1) {
        var (weights, bias) = (result.weights, result.bias)
        _ = try? conv.fold(into: &weights, bias: &bias, filters: result.filterCount, reader: reader)
        result.weights = weights
      }
      _ = try? conv.geometry()
    }
  }
}
