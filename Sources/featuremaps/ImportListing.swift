import ConvEngine
import FilterBanks
import Importing
import WeightsFiles

/// `featuremaps import WEIGHTS --list`: one line per tensor (name, dtype, shape), and for ONNX one line per
/// Conv node with its weight, attributes and what folds into it.
struct ImportListing {
  let reader: any WeightsReader

  var text: String {
    var lines = ["\(reader.file): \(reader.format.rawValue), \(reader.tensors.count) tensor\(reader.tensors.count == 1 ? "" : "s")"]
    let width = min(60, reader.tensors.map(\.name.count).max() ?? 0)
    let typeWidth = reader.tensors.map(\.dtype.count).max() ?? 0
    for tensor in reader.tensors {
      lines.append("  " + tensor.name.padding(toLength: max(width, tensor.name.count), withPad: " ", startingAt: 0)
                   + "  " + tensor.dtype.padding(toLength: typeWidth, withPad: " ", startingAt: 0) + "  " + shapeText(tensor.shape))
    }
    if let onnx = reader as? ONNXReader {
      lines.append("Conv nodes (featuremaps import \(reader.file) --node N):")
      for conv in onnx.convs {
        let shape = onnx.tensors.first { $0.name == conv.weight }.map { shapeText($0.shape) } ?? "?"
        var line = "  \(conv.index)  \(conv.name.isEmpty ? "(unnamed)" : conv.name)  weight \(conv.weight) \(shape), bias \(conv.bias ?? "none")"
        line += ", strides \(conv.strides ?? [1, 1]), pads \(conv.pads ?? [0, 0, 0, 0]), dilations \(conv.dilations ?? [1, 1])"
        line += ", group \(conv.group), auto_pad \(conv.autoPad)"
        if !conv.folded.isEmpty { line += "; folds " + conv.folded.map(\.description).joined(separator: ", ") }
        let filters = onnx.tensors.first { $0.name == conv.weight }?.shape.first ?? 0
        switch conv.bankActivation(reader: reader, filters: filters) {
        case .success(let activation) where activation != .none: line += "; then \(activation.description)"
        case .failure(let error): line += "; then \(conv.activation?.op ?? "?") (not importable: \(error.reason))"
        default: break
        }
        if let after = conv.endsBefore { line += "; stops before \(after)" }
        lines.append(line)
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
