import Basics
import ConvEngine
import FilterBanks
import Foundation
import Importing
import WeightsFiles

extension Import {
  /// `--layers`: the stem a file without a graph holds, as the list names it (`LayerList`): conv layers
  /// named conv1, conv2, ..., each with its batch norm folded, pooling layers between them.
  func listedBank(from reader: any WeightsReader, layers list: LayerList) throws(Failure) -> FilterBank {
    if reader is ONNXReader {
      throw Failure(message: "\(reader.file): an ONNX file has its graph: import its stem with --until NODE (or end), not --layers")
    }
    let input = bankInput
    var layers: [BankLayer] = []
    var channels = input.channels
    var tensors: [String] = []
    for (i, item) in list.items.enumerated() {
      switch item {
      case .conv(let conv):
        let number = layers.filter { if case .conv = $0.layer { return true } else { return false } }.count + 1
        let (layer, trained, read) = try listedConv(conv, reader: reader, inputChannels: channels.count, at: "--layers: layer \(i + 1)")
        let names = (0..<layer.filterCount).map { "conv\(number)-\($0)" }
        layers.append(BankLayer(layer: .conv(layer), outputNames: names, path: "", trained: trained))
        channels = names
        tensors += read
      case .pool(let pool):
        layers.append(BankLayer(layer: .pool(pool), outputNames: channels, path: ""))
      }
    }
    let file = URL(fileURLWithPath: reader.file).lastPathComponent
    var members: [(key: String, value: JSONValue)] = [
      ("kind", .string("imported")), ("file", .string(file)), ("sha256", .string(try Self.sha256(reader.file))),
      ("tensors", .array(tensors.map { .string($0) })), ("layers", .string(list.text)),
    ]
    members += sourceMembers.map { ($0.key, .string($0.value)) }
    return FilterBank(
      name: bankName, description: about ?? "Imported from \(file): \(NumberText.counted(layers.count, "layer")).",
      source: FilterBank.Source(members: members), input: input, layers: layers)
  }

  /// One conv layer of the list over `inputChannels`: its weight (a tensor, or a prefix's `.weight`), bias,
  /// batch norm folded, groups (from the weight's shape unless given), activation.
  private func listedConv(_ item: LayerList.Conv, reader: any WeightsReader, inputChannels: Int, at: String)
    throws(Failure) -> (ConvLayer, TrainedForm?, [String]) {
    let weight: String
    var bias = item.bias
    if reader.has(item.weight) {
      weight = item.weight
    } else if reader.has(item.weight + ".weight") {
      weight = item.weight + ".weight"
      if bias == nil, reader.has(item.weight + ".bias") { bias = item.weight + ".bias" }
    } else {
      throw Failure(message: "\(reader.file): \(at): has no tensor '\(item.weight)' nor '\(item.weight).weight'; --list shows its tensors")
    }
    let layout = self.layout ?? (reader.format == .hdf5 ? .hwio : .oihw)
    let groups = item.groups ?? Self.groups(of: reader.tensors.first { $0.name == weight }?.shape ?? [], layout: layout, inputChannels: inputChannels)
    var spec = WeightsRequest(file: reader.file, path: reader.file, weight: weight, bias: bias, batchNorm: item.batchNorm, epsilon: eps)
    spec.layout = self.layout
    let result: ImportedFilters
    do {
      result = try spec.read(from: reader, channels: inputChannels, groups: groups)
    } catch {
      throw Failure(message: "\(reader.file): \(at): \(error.reason)")
    }
    var activation = Activation.none
    var read = result.tensors
    do throws(CommandFailure) {
      if let slopes = item.slopes {
        let tensor: WeightsTensor
        do {
          tensor = try reader.require(slopes)
        } catch {
          throw CommandFailure(error.description, .usage)
        }
        activation = try ActivationName(name: "prelu", values: tensor.values).activation(negativeSlope: nil, filters: result.filterCount)
        read.append(slopes)
      } else if let name = item.activation {
        activation = try name.activation(negativeSlope: nil, filters: result.filterCount)
      }
    } catch {
      throw Failure(message: "\(reader.file): \(at): \(error.line.replacingOccurrences(of: "--activation: ", with: ""))")
    }
    let layer = ConvLayer(inputChannels: inputChannels, filterCount: result.filterCount, kernel: result.kernel, weights: result.weights,
                          bias: result.bias, stride: item.stride, dilation: item.dilation, groups: groups, padding: item.padding,
                          activation: activation)
    return (layer, result.trained.batchNorm ? result.trained : nil, read)
  }

  /// A weight of shape `shape` over `inputChannels` channels: as many groups as its filters see a part of
  /// the input (1 for a full conv, the channel count for a depthwise one); 1 when the shape does not say.
  static func groups(of shape: [Int], layout: WeightsRequest.Layout, inputChannels: Int) -> Int {
    guard shape.count == 4 else { return 1 }
    let perGroup = layout == .oihw ? shape[1] : shape[2]
    guard perGroup >= 1, inputChannels % perGroup == 0 else { return 1 }
    return inputChannels / perGroup
  }
}
