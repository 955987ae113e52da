import Basics
import ConvEngine
import FilterBanks
import MapWriting
import Normalization

/// A picture run through a bank up to one of its conv layers, as the main command runs it: that layer's
/// input and output tensors (computed by the engine), its geometry, the names of its input channels, and
/// the gray mapping the main command would give each of its maps under `options`.
public struct LayerRun: Sendable {
  public let bank: FilterBank
  /// The conv layer, counting conv layers from 1, and its index among all layers.
  public let convNumber: Int
  public let index: Int
  public let conv: ConvLayer
  public let geometry: LayerGeometry
  /// The layer's input: the picture's planes, or the previous layer's maps after pooling and activation.
  public let input: Tensor
  /// The layer's output, computed by the engine: what `--format npy` writes.
  public let output: Tensor
  public let inputNames: [String]
  public let filterNames: [String]
  /// Per map: statistics and gray mapping, from the main command's own writer.
  public let maps: [MapEntry]

  /// Runs `picture` (the bank's input tensor) through the bank up to conv layer `layer` (from 1; nil: the
  /// last conv layer).
  public init(bank: FilterBank, picture: Tensor, layer: Int?, options: OutputOptions) throws(TeachingError) {
    let convIndices = bank.convLayerIndices
    let number = layer ?? convIndices.count
    guard (1...convIndices.count).contains(number) else {
      throw TeachingError("--layer \(number): the bank \(bank.name) has \(convIndices.count) conv layer\(convIndices.count == 1 ? "" : "s") (1 to \(convIndices.count))")
    }
    let index = convIndices[number - 1]
    guard case .conv(let conv) = bank.layers[index].layer else { preconditionFailure("not a conv layer") }
    let geometries: [LayerGeometry]
    do {
      geometries = try bank.geometries(width: picture.width, height: picture.height)
    } catch {
      throw TeachingError(error.description)
    }
    let engine = Engine(threads: options.threads)
    var current = picture
    var output = picture
    do throws(ShapeError) {
      for i in 0...index {
        if i == index { output = try engine.apply(bank.network[i], to: current, layerIndex: i) } else {
          current = try engine.apply(bank.network[i], to: current, layerIndex: i)
        }
      }
    } catch {
      throw TeachingError(BankMismatchError(bank: bank.name, width: picture.width, height: picture.height, shape: error).description)
    }
    self.bank = bank
    self.convNumber = number
    self.index = index
    self.conv = conv
    self.geometry = geometries[index]
    self.input = current
    self.output = output
    self.inputNames = index == 0 ? bank.input.channels : bank.layers[index - 1].outputNames
    self.filterNames = bank.layers[index].outputNames
    var writer = MapSetWriter(
      source: .tensor(output), names: filterNames, layerNumber: index + 1,
      interior: (geometries[index].interiorRows, geometries[index].interiorColumns), options: options, firstIndex: 0, subfolder: "")
    do {
      maps = try writer.write(to: [NoFiles()]).entries
    } catch {
      throw TeachingError(error.description)  // NoFiles writes nothing, so nothing can fail
    }
  }

  /// The filter `argument` names: a filter name, or a 0-based index.
  public func filter(_ argument: String) throws(TeachingError) -> Int {
    if let i = filterNames.firstIndex(of: argument) { return i }
    if let i = Int(argument), filterNames.indices.contains(i) { return i }
    throw TeachingError("--filter \(argument): layer \(convNumber) has no such filter; its filters are \(filterNames.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", "))")
  }

  /// The gray level the main command writes for `value` in map `f` (through the same quantizing loop).
  public func gray(_ value: Float, map f: Int) -> Int {
    var value = value
    let mapping = maps[f].mapping
    if mapping.maximumGray > 255 {
      var gray: UInt16 = 0
      mapping.quantize(&value, count: 1, into: &gray)
      return Int(gray)
    }
    var gray: UInt8 = 0
    mapping.quantize(&value, count: 1, into: &gray)
    return Int(gray)
  }
}

/// A sink that keeps nothing: the writer's entries (statistics, mappings) are what is wanted.
struct NoFiles: MapSink {
  func accept(_ map: MapEntry, values: UnsafeBufferPointer<Float>) throws(OutputError) {}
}
