import ArgumentParser
import Basics
import ConvEngine
import FilterBanks
import Importing
import Foundation
import WeightsFiles

/// `featuremaps import`: trained weights (PyTorch, ONNX, Keras, safetensors, NumPy) into a self-contained
/// bank, a bank's `from` layers resolved, or a weights file's tensors listed.
struct Import: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Turn trained weights into a bank, resolve a bank's \"from\" layers, or list a weights file's tensors.",
    discussion: """
      WEIGHTS is a NumPy .npy/.npz, safetensors, PyTorch .pth/.pt (zip or legacy; a state dict), ONNX .onnx or \
      Keras .h5/.weights.h5 file, recognised by content. The bank written has one conv layer (with --until, \
      every layer of an ONNX network's stem; with --layers, the layers listed), the weights listed, and records the file's SHA-256 and the \
      tensors read in its "source".

      Examples:
        featuremaps import resnet.pth --list
        featuremaps import resnet.pth --weight conv1.weight --batchnorm bn1 \\
          --stride 2 --padding 3 --activation relu --out conv1.json
        featuremaps import model.onnx --node 1 --out conv1.json
        featuremaps import model.onnx --until end --out stem.json
        featuremaps import resnet.pth --layers "conv1+bn1 stride=2 padding=3 relu; \\
          maxpool 3 stride=2 padding=1" --out stem.json
        featuremaps import vgg.weights.h5 --list
        featuremaps import my-bank.json --out self-contained.json
      """)

  @Argument(help: ArgumentHelp("A weights file, or a bank (JSON) whose layers take filters \"from\" weights files.", valueName: "weights"))
  var input: String

  @Flag(help: "List the tensors (name, dtype, shape), and for ONNX the Conv nodes, then stop.")
  var list = false

  @Option(help: ArgumentHelp("The conv weight tensor.", valueName: "name"))
  var weight: String?

  @Option(help: ArgumentHelp("The bias tensor (none: no biases, unless a batch norm gives them).", valueName: "name"))
  var bias: String?

  @Option(help: ArgumentHelp("A batch norm to fold in: the prefix of its weight/bias/running_mean/running_var (PyTorch) or gamma/beta/moving_mean/moving_variance (Keras).", valueName: "prefix"))
  var batchnorm: String?

  @Option(help: ArgumentHelp("The batch norm's epsilon (default 1e-5; 1e-3 for Keras files).", valueName: "e"))
  var eps: Double?

  @Option(help: ArgumentHelp("OIHW (PyTorch, ONNX; the default) or HWIO (Keras; the default for .h5).", valueName: "layout"))
  var layout: WeightsRequest.Layout?

  @Option(help: ArgumentHelp("ONNX: take weight, bias, geometry, folded affine nodes and activation from this Conv node (its name, or its number counting Conv nodes from 1); flags given override its geometry.", valueName: "name-or-n"))
  var node: String?

  @Option(help: ArgumentHelp("ONNX: a multi-layer bank of the graph's stem, from its input: each Conv with what folds into it and its activation, MaxPool and AveragePool, up to and with this node (a Conv's name or number, a pooling node's name), or 'end': as far as a bank can go. Says where and why it stopped.", valueName: "node"))
  var until: String?

  @Option(help: ArgumentHelp("A stem from a file without a graph (state dict, safetensors, .npz, Keras): layers separated by ';', each 'WEIGHT[+BATCHNORM] [stride=S] [padding=P] [dilation=D] [groups=G] [bias=T] [ACTIVATION | prelu=T]' or 'maxpool|avgpool SIZE [stride=S] [padding=P]'; WEIGHT is a tensor or a module's prefix (its .weight and .bias).", valueName: "list"),
          transform: LayerList.parse)
  var layers: LayerList?

  @Option(help: ArgumentHelp("Stride: N or Y,X.", valueName: "s"), transform: PairValue.parse)
  var stride: PairValue?

  @Option(help: ArgumentHelp("Padding: same, valid, N, PY,PX or TOP,LEFT,BOTTOM,RIGHT.", valueName: "p"), transform: PaddingValue.parse)
  var padding: PaddingValue?

  @Option(help: ArgumentHelp("Dilation: N or Y,X.", valueName: "d"), transform: PairValue.parse)
  var dilation: PairValue?

  @Option(help: ArgumentHelp("Groups, as in PyTorch.", valueName: "g"))
  var groups: Int?

  @Option(name: .customLong("padding-mode"), help: ArgumentHelp("zeros, reflect, replicate, circular or symmetric.", valueName: "mode"))
  var paddingMode: PaddingMode?

  @Option(help: ArgumentHelp(Words.list(Activation.names) + "; parameters after a colon: clip:0,6, elu:1, hard_sigmoid:0.2,0.5, prelu:0.25.",
                             valueName: "a"), completion: .list(Activation.names),
          transform: ActivationName.parse)
  var activation: ActivationName?

  @Option(name: .customLong("negative-slope"), help: ArgumentHelp("leaky_relu's slope (default 0.01).", valueName: "x"))
  var negativeSlope: Double?

  @Option(help: ArgumentHelp("The input channels, in the weights' order: R,G,B (default), B,G,R, Y...", valueName: "list"),
          transform: ChannelList.parse)
  var channels: ChannelList?

  @Option(parsing: .unconditional, help: ArgumentHelp("What 0..255 samples map to before mean and std: LO,HI (default 0,1).", valueName: "lo,hi"),
          transform: ValueRange.parse)
  var range: ValueRange?

  @Option(parsing: .unconditional, help: ArgumentHelp("Per-channel means subtracted (default 0).", valueName: "list"),
          transform: NumberList.parse)
  var mean: NumberList?

  @Option(parsing: .unconditional, help: ArgumentHelp("Per-channel standard deviations divided by (default 1).", valueName: "list"),
          transform: NumberList.parse)
  var std: NumberList?

  @Option(help: ArgumentHelp("The bank's name (default: the output file's name).", valueName: "name"))
  var name: String?

  @Option(name: .customLong("description"), help: ArgumentHelp("The bank's description.", valueName: "text"))
  var about: String?

  @Option(name: .customLong("source"), help: ArgumentHelp("A member of the bank's \"source\", e.g. license=MIT (repeatable).", valueName: "key=value"),
          transform: SourceMember.parse)
  var sourceMembers: [SourceMember] = []

  @Option(help: ArgumentHelp("The bank file to write.", valueName: "bank.json"))
  var out: String?

  func validate() throws {
    if !list && out == nil { throw ValidationError("Give --out BANK.json (or --list).") }
    let count = channels?.names.count ?? 3
    for (option, list) in [("--mean", mean), ("--std", std)] {
      if let list, list.values.count != count {
        throw ValidationError("\(option) needs \(count) number\(count == 1 ? "" : "s"), one per input channel, not \(list.values.count)")
      }
    }
    if let std, std.values.contains(where: { $0 <= 0 }) { throw ValidationError("--std needs positive numbers") }
    if until != nil || layers != nil {
      let flag = until != nil ? "--until" : "--layers"
      let perLayer: [(String, Bool)] = [("--node", node != nil), ("--weight", weight != nil), ("--bias", bias != nil),
                                         ("--batchnorm", batchnorm != nil), ("--stride", stride != nil), ("--padding", padding != nil),
                                         ("--dilation", dilation != nil), ("--groups", groups != nil), ("--activation", activation != nil),
                                         ("--layers", until != nil && layers != nil)]
      if let (option, _) = perLayer.first(where: { $0.1 }) {
        throw ValidationError(until != nil ? "--until takes every layer from the graph's nodes: \(option) cannot be given with it"
                                : "--layers gives every layer's tensors and geometry: \(option) cannot be given with it")
      }
    }
  }

  func run() throws {
    do throws(Failure) {
      if Self.isBank(input) {
        try write(try resolvedBank())
        return
      }
      let reader = try open(input)
      if list {
        print(ImportListing(reader: reader).text, terminator: "")
        return
      }
      if let until {
        try write(try stemBank(from: reader, until: until == "end" ? nil : until))
        return
      }
      if let layers {
        try write(try listedBank(from: reader, layers: layers))
        return
      }
      try write(try importedBank(from: reader))
    } catch {
      throw CommandFailure(error.message, .usage)
    }
  }

  /// One line on standard error that does not stop the import.
  static func note(_ line: String) {
    FileHandle.standardError.write(Data("featuremaps: note: \(line)\n".utf8))
  }

  /// Why the import wrote nothing: one line, status 2.
  struct Failure: Error { let message: String }

  /// Whether `path` holds a bank: JSON naming the bank format.
  static func isBank(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let head = String(decoding: (try? handle.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
    return head.drop(while: \.isWhitespace).first == "{" && head.contains(FilterBank.formatName)
  }

  private func open(_ path: String) throws(Failure) -> any WeightsReader {
    do {
      return try WeightsFile.open(path)
    } catch {
      throw Failure(message: error.description)
    }
  }

  // MARK: - One layer from a weights file

  private func importedBank(from reader: any WeightsReader) throws(Failure) -> FilterBank {
    func fail(_ error: WeightsRequestFailure) -> Failure { Failure(message: error.reason.hasPrefix(reader.file) ? error.reason : "\(reader.file): \(error.reason)") }
    var stride = Pair(1)
    var dilation = Pair(1)
    var paddingRule = PaddingRule.fixed(.none)
    var groups = 1
    var activation = Activation.none
    var spec: WeightsRequest
    var onnxConv: ONNXConv?
    if let node {
      guard let onnx = reader as? ONNXReader else { throw Failure(message: "\(reader.file): --node is for ONNX files") }
      let conv: ONNXConv
      do {
        conv = try ONNXConv.named(node, in: onnx)
      } catch {
        throw fail(error)
      }
      onnxConv = conv
      spec = WeightsRequest(file: reader.file, path: reader.file, weight: conv.weight, bias: conv.bias, layout: .oihw)
      do {
        (stride, dilation, paddingRule) = try conv.geometry()
      } catch {
        if padding == nil { throw fail(error) }
      }
      groups = conv.group
    } else {
      guard let weight = weight ?? (reader.tensors.count == 1 ? reader.tensors[0].name : nil) else {
        throw Failure(message: "\(reader.file): give --weight NAME (or --node for ONNX); --list shows the \(reader.tensors.count) tensors")
      }
      spec = WeightsRequest(file: reader.file, path: reader.file, weight: weight, bias: bias)
    }
    spec.batchNorm = batchnorm
    spec.epsilon = eps
    if let layout { spec.layout = layout }
    if let value = self.stride { stride = value.pair }
    if let value = self.dilation { dilation = value.pair }
    if let value = self.padding { paddingRule = value.rule }
    if let value = self.groups { groups = value }
    let input = bankInput

    var result: ImportedFilters
    do {
      result = try spec.read(from: reader, channels: input.channels.count, groups: groups)
      if let onnxConv {
        try onnxConv.check(result)
        result.tensors += try onnxConv.fold(into: &result.weights, bias: &result.bias, filters: result.filterCount, reader: reader)
      }
    } catch {
      throw fail(error)
    }
    if let value = self.activation {
      do {
        activation = try value.activation(negativeSlope: negativeSlope, filters: result.filterCount)
      } catch {
        throw Failure(message: error.line)
      }
    } else if let onnxConv {
      // The node's own activation: one the bank cannot take (PRelu's slopes of the wrong length, a Clip
      // whose bounds cross) is refused, not left out.
      switch onnxConv.bankActivation(reader: reader, filters: result.filterCount) {
      case .success(let found): activation = found
      case .failure(let error): throw fail(error)
      }
      if let slopes = onnxConv.activation?.slopes { result.tensors.append(slopes) }  // recorded as the stem records it
    }
    // Nothing in silence: where the graph goes on past what the bank holds, say so.
    if let onnxConv, let after = onnxConv.endsBefore, self.activation == nil {
      let last = onnxConv.activation.map { "its \($0.op)" } ?? (onnxConv.folded.isEmpty ? "the Conv" : "what folds into it")
      Self.note("\(reader.file): \(onnxConv.described): the bank stops after \(last), before \(after), which a bank cannot express")
    }
    let mode = paddingMode ?? .zeros
    let conv = ConvLayer(inputChannels: input.channels.count, filterCount: result.filterCount, kernel: result.kernel,
                         weights: result.weights, bias: result.bias, stride: stride, dilation: dilation, groups: groups,
                         padding: paddingRule, paddingMode: mode, activation: activation)
    let names = (0..<result.filterCount).map { "conv1-\($0)" }
    let file = URL(fileURLWithPath: reader.file).lastPathComponent
    let what = result.tensors.joined(separator: ", ")
    var members: [(key: String, value: JSONValue)] = [
      ("kind", .string("imported")), ("file", .string(file)), ("sha256", .string(try Self.sha256(reader.file))),
      ("tensors", .array(result.tensors.map { .string($0) })),
    ]
    if let onnxConv { members.append(("node", .string(onnxConv.name))) }
    members += sourceMembers.map { ($0.key, .string($0.value)) }
    return FilterBank(
      name: bankName, description: about ?? "Imported from \(file) (\(what)).", source: FilterBank.Source(members: members),
      input: input, layers: [BankLayer(layer: .conv(conv), outputNames: names, path: "",
                                       trained: onnxConv.map { $0.trainedForm } ?? (result.trained.batchNorm ? result.trained : nil))])
  }

  // MARK: - An ONNX graph's stem

  /// Every layer of the graph's stem (`ONNXReader.stem`) as one bank: conv layers named conv1, conv2, ...,
  /// pooling layers between them.
  private func stemBank(from reader: any WeightsReader, until: String?) throws(Failure) -> FilterBank {
    guard let onnx = reader as? ONNXReader else { throw Failure(message: "\(reader.file): --until is for ONNX files") }
    let stem: ONNXStem
    do {
      stem = try onnx.stem(until: until)
    } catch {
      throw Failure(message: error.description)
    }
    guard stem.reachedUntil, !stem.steps.isEmpty else {
      let stop = stem.endsBefore.map { "stops before \($0)" } ?? "ends at the graph's output"
      throw Failure(message: "\(reader.file): the stem from the graph's input \(stop)" + (until.map { ", before reaching node '\($0)'" } ?? ""))
    }
    let input = bankInput
    var layers: [BankLayer] = []
    var channels = input.channels
    var tensors: [String] = []
    var nodes: [JSONValue] = []
    for step in stem.steps {
      switch step {
      case .conv(let conv):
        let (layer, read) = try onnxLayer(conv, reader: onnx, inputChannels: channels.count)
        let number = layers.filter { if case .conv = $0.layer { return true } else { return false } }.count + 1
        let names = (0..<layer.filterCount).map { "conv\(number)-\($0)" }
        layers.append(BankLayer(layer: .conv(layer), outputNames: names, path: "", trained: conv.trainedForm))
        channels = names
        tensors += read
        nodes.append(.string(conv.name))
      case .pool(let name, let average, let kernel, let strides, let pads):
        let pool = PoolLayer(kind: average ? .average : .max, size: Pair(kernel[0], kernel[1]), stride: Pair(strides[0], strides[1]),
                             padding: Padding(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3]))
        layers.append(BankLayer(layer: .pool(pool), outputNames: channels, path: ""))
        nodes.append(.string(name))
      }
    }
    // Nothing in silence: where the graph goes on past the bank, and why.
    if let after = stem.endsBefore {
      Self.note("\(reader.file): the stem stops after \(layers.count) layer\(layers.count == 1 ? "" : "s"), before \(after), which a bank cannot express")
    }
    let file = URL(fileURLWithPath: reader.file).lastPathComponent
    var members: [(key: String, value: JSONValue)] = [
      ("kind", .string("imported")), ("file", .string(file)), ("sha256", .string(try Self.sha256(reader.file))),
      ("tensors", .array(tensors.map { .string($0) })), ("nodes", .array(nodes)),
    ]
    members += sourceMembers.map { ($0.key, .string($0.value)) }
    return FilterBank(
      name: bankName, description: about ?? "The stem of \(file) from its input: \(layers.count) layers.",
      source: FilterBank.Source(members: members), input: input, layers: layers)
  }

  /// One Conv node's chain as a conv layer over `inputChannels`, everything from the graph; and the
  /// tensors read.
  private func onnxLayer(_ conv: ONNXConv, reader: ONNXReader, inputChannels: Int) throws(Failure) -> (ConvLayer, [String]) {
    do throws(WeightsRequestFailure) {
      let result = try conv.filters(reader: reader, channels: inputChannels, groups: nil)
      let graph = result.graph!
      let layer = ConvLayer(inputChannels: inputChannels, filterCount: result.filterCount, kernel: result.kernel, weights: result.weights,
                            bias: result.bias, stride: graph.stride, dilation: graph.dilation, groups: graph.groups, padding: graph.padding,
                            activation: graph.activation)
      return (layer, result.tensors)
    } catch {
      throw Failure(message: error.reason.hasPrefix(reader.file) ? error.reason : "\(reader.file): \(error.reason)")
    }
  }

  var bankName: String { name ?? FilterBank.defaultName(out ?? "imported") }

  /// The bank's input: channels, range, means and standard deviations (their counts checked in `validate`).
  var bankInput: FilterBank.Input {
    let names = channels?.names ?? ["R", "G", "B"]
    return FilterBank.Input(
      channels: names, range: range.map { ($0.low, $0.high) } ?? (0, 1),
      mean: mean?.values ?? [Float](repeating: 0, count: names.count), std: std?.values ?? [Float](repeating: 1, count: names.count))
  }

  // MARK: - A bank's `from` layers resolved

  private func resolvedBank() throws(Failure) -> FilterBank {
    var loaded: LoadedBank
    do {
      loaded = try BankCatalog.load(input, weights: WeightsImporter())
    } catch {
      throw Failure(message: error.description)
    }
    // Every weights file read, with its SHA-256 and tensors, joins the source.
    var weights: [JSONValue] = []
    var seen: [String: Int] = [:]
    for layer in loaded.bank.layers {
      guard let origin = layer.origin else { continue }
      if let i = seen[origin.path], case .object(var entry) = weights[i], case .array(let tensors)? = entry.first(where: { $0.key == "tensors" })?.value {
        entry.removeAll { $0.key == "tensors" }
        entry.append(("tensors", .array(tensors + origin.tensors.map { .string($0) })))
        weights[i] = .object(entry)
        continue
      }
      seen[origin.path] = weights.count
      weights.append(.object([("file", .string(URL(fileURLWithPath: origin.file).lastPathComponent)),
                              ("sha256", .string(try Self.sha256(origin.path))), ("tensors", .array(origin.tensors.map { .string($0) }))]))
    }
    var members = loaded.bank.source?.members ?? []
    if weights.isEmpty == false {
      members.removeAll { $0.key == "kind" || $0.key == "weights" }
      members.insert(("kind", .string("imported")), at: 0)
      members.append(("weights", .array(weights)))
    }
    members += sourceMembers.map { ($0.key, .string($0.value)) }
    if let name { loaded.bank.name = name }
    if let about { loaded.bank.description = about }
    loaded.bank.source = members.isEmpty ? nil : FilterBank.Source(members: members)
    return loaded.bank
  }

  // MARK: - Writing

  /// Writes the bank, after reading it back: what is written must be a valid bank equal to this one.
  private func write(_ bank: FilterBank) throws(Failure) {
    let text = bank.text()
    let path = out!
    let back: FilterBank
    do {
      back = try FilterBank.parse(Array(text.utf8), file: path, defaultName: bank.name)
    } catch {
      throw Failure(message: error.description)
    }
    guard back.network == bank.network, back.layers.map(\.outputNames) == bank.layers.map(\.outputNames) else {
      throw Failure(message: "\(path): the bank written does not read back to the same layers (a bug; please report it)")
    }
    do {
      try AtomicFile.write(Array(text.utf8), to: path)
    } catch {
      throw Failure(message: "\(path): \(error.reason)")
    }
  }

  static func sha256(_ path: String) throws(Failure) -> String {
    guard let bytes = try? FileBytes.read(path) else { throw Failure(message: "\(path): cannot be read") }
    return SHA256.hex(bytes)
  }
}
