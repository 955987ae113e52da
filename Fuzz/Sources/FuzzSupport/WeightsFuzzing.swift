import ConvEngine
import FilterBanks
import Importing
import WeightsFiles

/// What every weights target does with its input.
public enum WeightsFuzzing {
  public static func exercise(_ path: String) {
    guard let reader = try? WeightsFile.open(path) else { return }
    for info in reader.tensors.prefix(64) {
      guard let tensor = try? reader.read(info.name) else { continue }
      if tensor.shape.count == 4, tensor.shape[1] > 0 {
        _ = try? WeightsRequest(file: path, path: path, weight: info.name).read(from: reader, channels: tensor.shape[1], groups: 1)
      }
    }
    guard let onnx = reader as? ONNXReader else { return }
    for conv in onnx.convs.prefix(16) {
      guard let weight = try? onnx.read(conv.weight), weight.shape.count == 4 else { continue }
      let request = WeightsRequest(file: path, path: path, weight: conv.weight, bias: conv.bias)
      let groups = max(1, min(conv.group, 1024))
      if var result = try? request.read(from: reader, channels: weight.shape[1] * groups, groups: groups) {
        _ = try? conv.check(result)
        var (weights, bias) = (result.weights, result.bias)
        _ = try? conv.fold(into: &weights, bias: &bias, filters: result.filterCount, reader: reader)
        result.weights = weights
      }
      _ = try? conv.geometry()
      _ = conv.bankActivation(reader: reader, filters: weight.shape[0])
    }
    // The stem from the graph's input, whole and up to each Conv (cycles and forks end it, never loop).
    _ = try? onnx.stem(until: nil)
    for conv in onnx.convs.prefix(4) { _ = try? onnx.stem(until: conv.name) }
  }
}
