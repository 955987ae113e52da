import Basics
import ConvEngine
import Dispatch
import FilterBanks

/// One run of a bank over one picture: the single path every command takes from the bank's input tensor to
/// any layer's maps. The batch writer takes the last layer streamed (`maps(ofLayer:streamed:)`),
/// `explain`, the figures and the report take whole layers and partial maps; each layer is computed once
/// per run, and only as far as someone asks.
///
/// `retention` says what the run keeps: `.everyLayer` (the report, teaching) or `.latest`, where computing
/// a layer lets the one before it go, so that memory holds one inner layer at a time (the batch).
public final class BankRun {
  public enum Retention: Sendable { case everyLayer, latest }

  public let bank: FilterBank
  public let engine: Engine
  /// The bank's input: the picture's planes, scaled as the bank asks (let go with the layers before the
  /// latest under `.latest`).
  private var input: Tensor?
  public let inputWidth: Int
  public let inputHeight: Int
  /// Every layer's geometry on this input, checked before any work.
  public let geometries: [LayerGeometry]
  public let retention: Retention

  /// What computing one whole layer took, for --timings.
  public struct LayerTiming: Sendable {
    public var seconds: Double
    /// Floating-point operations a direct convolution does (a multiply-add counts 2).
    public var operations: Double
    public var algorithm: String
  }

  /// Why a layer of the run was not computed.
  public enum Failure: Error, CustomStringConvertible, Sendable {
    /// A layer does not fit its input (found before any work when the run began).
    case doesNotFit(BankMismatchError)
    /// The engine's stop flag was raised: the run was given up.
    case stopped

    public var description: String {
      switch self {
      case .doesNotFit(let error): return error.description
      case .stopped: return "stopped"
      }
    }
  }

  private var outputs: [Tensor?]
  /// Per layer, when it was computed whole in this run.
  public private(set) var timings: [LayerTiming?]

  public init(bank: FilterBank, input: Tensor, engine: Engine, retention: Retention = .everyLayer) throws(BankMismatchError) {
    self.bank = bank
    self.engine = engine
    self.input = input
    (inputWidth, inputHeight) = (input.width, input.height)
    self.retention = retention
    geometries = try bank.geometries(width: input.width, height: input.height)
    outputs = Array(repeating: nil, count: bank.layers.count)
    timings = Array(repeating: nil, count: bank.layers.count)
  }

  public var layerCount: Int { bank.layers.count }

  /// Layer `index`'s output, whole (counting layers from 0; every layer before it is computed once).
  public func output(ofLayer index: Int) throws(Failure) -> Tensor {
    if let done = outputs[index] { return done }
    let source = try input(ofLayer: index)
    let layer = bank.layers[index].layer
    let start = DispatchTime.now().uptimeNanoseconds
    let output = try fitting { () throws(ShapeError) in try engine.apply(layer, to: source, layerIndex: index) }
    if engine.stop?.isRaised == true { throw .stopped }  // the output is incomplete
    timings[index] = LayerTiming(
      seconds: Self.seconds(since: start), operations: Self.operations(layer, outputValues: output.values.count),
      algorithm: engine.algorithmName(of: layer))
    if retention == .latest {
      input = nil
      for i in 0..<index { outputs[i] = nil }
    }
    outputs[index] = output
    return output
  }

  /// Layer `index`'s output as an earlier run computed it, of the same input through the same layers up to
  /// `index` (the live page keeps them): later layers start from it, and it is not computed again.
  public func adopt(_ output: Tensor, asOutputOf index: Int) {
    precondition(output.height == geometries[index].outputHeight && output.width == geometries[index].outputWidth,
                 "an adopted output has the layer's shape")
    outputs[index] = output
  }

  /// Layer `index`'s input: the bank's input, or the output of the layer before. Under `.latest`, only
  /// the input of a layer after the latest one computed is still there.
  public func input(ofLayer index: Int) throws(Failure) -> Tensor {
    guard index == 0 else { return try output(ofLayer: index - 1) }
    guard let input else { preconditionFailure("the run let its input go: it computed a later layer (retention .latest)") }
    return input
  }

  /// Layer `index`'s maps. `streamed`: a conv layer not yet computed is bound to its input and computes any
  /// block of maps and rows on demand, so that its maps are never all held as floats (the writer asks for
  /// them in groups); otherwise the layer is computed whole.
  ///
  /// A last layer after others is streamed with the layers before it (`LayerBands`) when none of them was
  /// computed yet and their padding can be made band by band: no inner layer is then ever whole.
  /// `streamBudget`: the bytes a band of the last layer's maps and the layers' windows hold together.
  public func maps(ofLayer index: Int, streamed: Bool, streamBudget: Int = 32 << 20) throws(Failure) -> MapSource {
    guard streamed, outputs[index] == nil, case .conv(let conv) = bank.layers[index].layer else {
      return .tensor(try output(ofLayer: index))
    }
    let layers = Array(bank.layers[...index].map(\.layer))
    if index > 0, outputs[..<index].allSatisfy({ $0 == nil }), let input,
       LayerBands.canStream(layers, geometries: Array(geometries[...index])) {
      let bands = try fitting { () throws(ShapeError) in
        try LayerBands(layers: layers, geometries: Array(geometries[...index]), input: input, engine: engine, budget: streamBudget)
      }
      return .banded(bands, stop: engine.stop)
    }
    return try prepared(conv, index: index)
  }

  /// Whether `bank`'s last layer on a `width` x `height` picture streams with the layers before it
  /// (`maps(ofLayer:streamed:streamBudget:)`): their memory is then the budget's, not whole layers.
  public static func streams(_ bank: FilterBank, width: Int, height: Int) -> Bool {
    let layers = bank.layers.map(\.layer)
    guard layers.count > 1, case .conv = layers.last!, let geometries = try? bank.geometries(width: width, height: height) else { return false }
    return LayerBands.canStream(layers, geometries: geometries)
  }

  /// The partial maps of conv layer `index`, streamed: for each filter and each input channel of its group,
  /// that channel correlated with the filter's kernel for it (no bias, no activation), in the order of
  /// `ConvLayer.partialIndex`.
  public func partialMaps(ofLayer index: Int) throws(Failure) -> MapSource {
    try prepared(conv(index).partialLayer, index: index)
  }

  /// The partial maps of filter `f` of conv layer `index`, whole: one per input channel of its group.
  public func partialMaps(ofLayer index: Int, filter f: Int) throws(Failure) -> Tensor {
    let conv = conv(index)
    let source = try input(ofLayer: index)
    let (first, count) = (conv.firstChannel(ofFilter: f), conv.channelsPerGroup)
    let slice = Tensor(channels: count, height: source.height, width: source.width,
                       values: Array(source.values[(first * source.planeSize)..<((first + count) * source.planeSize)]))
    let maps = try fitting { () throws(ShapeError) in try engine.apply(conv.partialLayer(ofFilter: f), to: slice, layerIndex: index) }
    if engine.stop?.isRaised == true { throw .stopped }
    return maps
  }

  /// The names of layer `index`'s input channels: the bank's input channels, or the layer before's outputs.
  public func inputNames(ofLayer index: Int) -> [String] {
    index == 0 ? bank.input.channels : bank.layers[index - 1].outputNames
  }

  /// The rows and columns of layer `index`'s maps that no padding reached.
  public func interior(ofLayer index: Int) -> (rows: Range<Int>, columns: Range<Int>) {
    (geometries[index].interiorRows, geometries[index].interiorColumns)
  }

  private func conv(_ index: Int) -> ConvLayer {
    guard case .conv(let conv) = bank.layers[index].layer else { preconditionFailure("layer \(index + 1) is not a conv layer") }
    return conv
  }

  private func prepared(_ conv: ConvLayer, index: Int) throws(Failure) -> MapSource {
    let source = try input(ofLayer: index)
    let start = DispatchTime.now().uptimeNanoseconds
    let prepared = try fitting { () throws(ShapeError) in
      try PreparedConv(conv, input: source, layerIndex: index, path: engine.path, algorithm: engine.algorithm, threads: engine.threads)
    }
    return .conv(prepared, threads: engine.threads, preparationSeconds: Self.seconds(since: start), stop: engine.stop)
  }

  /// The geometries were checked when the run began; a layer that still does not fit is reported as the
  /// bank not fitting the picture.
  private func fitting<T>(_ body: () throws(ShapeError) -> T) throws(Failure) -> T {
    if engine.stop?.isRaised == true { throw .stopped }
    do {
      return try body()
    } catch {
      throw .doesNotFit(BankMismatchError(bank: bank.name, width: inputWidth, height: inputHeight, shape: error))
    }
  }

  static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

  /// Floating-point operations of a layer with `outputValues` outputs (a multiply-add counts 2).
  static func operations(_ layer: Layer, outputValues: Int) -> Double {
    guard case .conv(let conv) = layer else { return 0 }
    return 2 * Double(conv.multiplyAddsPerOutput) * Double(outputValues)
  }
}
