import Basics
import ConvEngine
import FilterBanks
import Normalization
import Pipeline

/// One conv layer of a run of a bank over a picture (`BankRun`, the path every command takes): the layer's
/// input and output tensors as the engine computes them, its geometry, the names of its input channels, and
/// the statistics and gray mapping the main command gives each of its maps (`MapScaling`, its one choice).
public struct LayerRun {
  /// The run this layer belongs to (its partial maps, the layers around it).
  public let run: BankRun
  public let bank: FilterBank
  /// The layer's number, counting every layer of the bank (pooling too) from 1, as `summary`, the
  /// manifest and the `--all-layers` folders count them; and its index among the layers.
  public let number: Int
  public let index: Int
  public let conv: ConvLayer
  public let geometry: LayerGeometry
  /// The layer's input: the picture's planes, or the previous layer's maps.
  public let input: Tensor
  /// The layer's output, computed by the engine: what `--format npy` writes.
  public let output: Tensor
  public let inputNames: [String]
  public let filterNames: [String]
  /// Per map: statistics and gray mapping, as the main command chooses them.
  public let maps: [MapScaling.Scaled]

  /// Conv layer `layer` (counting every layer from 1; nil: the last conv layer) of `run`.
  public init(_ run: BankRun, layer: Int?, scaling: MapScaling, threads: Int = ProcessorCount.active) throws(TeachingError) {
    let bank = run.bank
    let index = try Self.convIndex(bank, layer: layer)
    guard case .conv(let conv) = bank.layers[index].layer else { preconditionFailure("convIndex gives conv layers") }
    let (input, output): (Tensor, Tensor)
    do {
      (input, output) = (try run.input(ofLayer: index), try run.output(ofLayer: index))
    } catch {
      throw TeachingError(error.description)
    }
    self.input = input
    self.output = output
    self.run = run
    self.bank = bank
    self.number = index + 1
    self.index = index
    self.conv = conv
    self.geometry = run.geometries[index]
    self.inputNames = run.inputNames(ofLayer: index)
    self.filterNames = bank.layers[index].outputNames
    maps = output.values.withUnsafeBufferPointer { values in
      scaling.choose(maps: values, count: output.channels, height: output.height, width: output.width,
                     interior: run.interior(ofLayer: index), threads: threads)
    }
  }

  /// Runs `picture` (the bank's input tensor) through the bank up to conv layer `layer`.
  public init(bank: FilterBank, picture: Tensor, layer: Int?, scaling: MapScaling = MapScaling(),
              threads: Int = ProcessorCount.active) throws(TeachingError) {
    let run: BankRun
    do {
      run = try BankRun(bank: bank, input: picture, engine: Engine(threads: threads))
    } catch {
      throw TeachingError(error.description)
    }
    try self.init(run, layer: layer, scaling: scaling, threads: threads)
  }

  /// The index of layer number `layer` (nil: the last conv layer), refused when it is not a conv layer.
  public static func convIndex(_ bank: FilterBank, layer: Int?) throws(TeachingError) -> Int {
    let convs = bank.convLayerIndices
    guard let layer else { return convs.last! }
    let numbers = convs.map { String($0 + 1) }
    let which = numbers.count == 1 ? "its conv layer is \(numbers[0])" : "its conv layers are \(numbers.joined(separator: ", "))"
    guard (1...bank.layers.count).contains(layer) else {
      let count = bank.layers.count
      throw TeachingError("--layer \(layer): the bank \(bank.name) has \(count) layer\(count == 1 ? "" : "s") (1 to \(count)); \(which)")
    }
    guard case .conv = bank.layers[layer - 1].layer else {
      throw TeachingError("--layer \(layer): layer \(layer) of the bank \(bank.name) is \(Self.describe(bank.layers[layer - 1].layer)), not a conv layer; \(which)")
    }
    return layer - 1
  }

  static func describe(_ layer: Layer) -> String {
    guard case .pool(let pool) = layer else { return "a conv layer" }
    return "a \(pool.size.y)x\(pool.size.x) \(pool.kind == .max ? "max" : "average") pooling layer"
  }

  /// The filter `argument` names: a filter name, or a 0-based index.
  public func filter(_ argument: String) throws(TeachingError) -> Int {
    if let i = filterNames.firstIndex(of: argument) { return i }
    if let i = Int(argument), filterNames.indices.contains(i) { return i }
    throw TeachingError("--filter \(argument): layer \(number) has no such filter; its filters are \(filterNames.enumerated().map { "\($0.offset) \($0.element)" }.joined(separator: ", "))")
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
