import Basics
import ConvEngine
import Foundation

/// Decodes and validates one conv layer: its options and every filter's kernels, listed or taken `from` a
/// weights file.
struct ConvLayerDecoder {
  let bank: BankDecoder
  let json: JSONValue
  let path: String
  let inputChannels: [String]
  /// The layer's number among the conv layers, from 1: imported filters are named `conv<N>-<i>` by default.
  let convNumber: Int

  func at(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  func decode() throws(BankError) -> BankLayer {
    let stride = try bank.pair(json["stride"], at("stride"), default: Pair(1), range: 1...BankLimits.maximumStrideOrDilation)
    let dilation = try bank.pair(json["dilation"], at("dilation"), default: Pair(1), range: 1...BankLimits.maximumStrideOrDilation)
    let groups = try json["groups"].map { (v) throws(BankError) in try bank.integer(v, at("groups"), range: 1...BankLimits.maximumFilters) } ?? 1
    let padding = try paddingRule()
    let paddingMode = try self.paddingMode()
    let activation = try self.activation()
    var flip = false
    if let value = json["flip"] {
      guard case .bool(let b) = value else { throw bank.fail(at("flip"), "expected true or false, got \(value.kindName)") }
      flip = b
    }

    if json["from"] != nil {
      if json["filters"] != nil { throw bank.fail(at("from"), "a conv layer has either \"filters\" or \"from\" a weights file, not both") }
      return try imported(stride: stride, dilation: dilation, groups: groups, padding: padding, paddingMode: paddingMode,
                          activation: activation, flip: flip)
    }
    guard let filtersJSON = json["filters"] else {
      throw bank.fail(at("filters"), "missing; a conv layer needs filters (or \"from\" a weights file)")
    }
    let filterValues = try bank.array(filtersJSON, at("filters"))
    if filterValues.isEmpty { throw bank.fail(at("filters"), "a conv layer needs at least one filter") }
    if filterValues.count > BankLimits.maximumFilters {
      throw bank.fail(at("filters"), "\(filterValues.count) filters, over the limit of \(BankLimits.maximumFilters)")
    }
    let channelCount = inputChannels.count
    if channelCount % groups != 0 || filterValues.count % groups != 0 {
      throw bank.fail(at("groups"), "groups = \(groups) must divide both the \(channelCount) input channels and the \(filterValues.count) filters")
    }

    var shape: KernelShape?
    var names: [String] = []
    var weights: [Float] = []
    var biases: [Float] = []
    var anyBias = false  // a layer whose filters all omit "bias" has none (Keras's use_bias=False)
    let filtersPerGroup = filterValues.count / groups
    let channelsPerGroup = channelCount / groups
    for (f, filter) in filterValues.enumerated() {
      let filterPath = "\(at("filters"))[\(f)]"
      guard case .object(let members) = filter else { throw bank.fail(filterPath, "expected a filter object, got \(filter.kindName)") }
      try bank.onlyKnownKeys(members, ["name", "bias", "kernels", "weights", "comment"], filterPath)
      let name = try filterName(filter["name"], filterPath, existing: names)
      names.append(name)
      if filter["bias"] != nil { anyBias = true }
      biases.append(try filter["bias"].map { (v) throws(BankError) in try bank.number(v, "\(filterPath).bias") } ?? 0)
      let group = f / filtersPerGroup
      let channels = Array(inputChannels[group * channelsPerGroup..<(group + 1) * channelsPerGroup])
      weights += try kernels(of: filter, filterPath, channels: channels, shape: &shape)
      if weights.count > BankLimits.maximumWeights {
        throw bank.fail(filterPath, "the layer has more than \(BankLimits.maximumWeights) weights, over the limit")
      }
    }
    let kernel = Pair(shape!.rows, shape!.columns)
    try checkSlopes(activation, filters: filterValues.count)
    let conv = ConvLayer(
      inputChannels: channelCount, filterCount: filterValues.count, kernel: kernel, weights: weights, bias: anyBias ? biases : nil,
      stride: stride, dilation: dilation, groups: groups, padding: padding, paddingMode: paddingMode,
      activation: activation, flip: flip)
    return BankLayer(layer: .conv(conv), outputNames: names, path: path, origin: nil, trained: try trainedForm())
  }

  /// `"as_trained": {"conv_bias": BOOL, "batchnorm": BOOL}`, which `import` writes.
  func trainedForm() throws(BankError) -> TrainedForm? {
    guard let value = json["as_trained"] else { return nil }
    guard case .object(let members) = value else { throw bank.fail(at("as_trained"), "expected {\"conv_bias\": true or false, \"batchnorm\": true or false}, got \(value.kindName)") }
    try bank.onlyKnownKeys(members, ["conv_bias", "batchnorm"], at("as_trained"))
    func flag(_ key: String) throws(BankError) -> Bool {
      guard case .bool(let b)? = value[key] else { throw bank.fail("\(at("as_trained")).\(key)", "expected true or false") }
      return b
    }
    return TrainedForm(convBias: try flag("conv_bias"), batchNorm: try flag("batchnorm"))
  }

  // MARK: - Filters from a weights file

  /// `"from": {"file": ..., "weight": ..., "bias": ..., "batchnorm": ..., "eps": ..., "layout": ..., "names": [...]}`.
  func imported(stride: Pair, dilation: Pair, groups: Int, padding: PaddingRule, paddingMode: PaddingMode,
                activation: Activation, flip: Bool) throws(BankError) -> BankLayer {
    let from = json["from"]!
    let fromPath = at("from")
    guard case .object(let members) = from else { throw bank.fail(fromPath, "expected an object naming a weights file, got \(from.kindName)") }
    try bank.onlyKnownKeys(members, ["file", "weight", "bias", "batchnorm", "eps", "layout", "node", "names", "comment"], fromPath)
    func text(_ key: String) throws(BankError) -> String? {
      try from[key].map { (v) throws(BankError) in try bank.string(v, "\(fromPath).\(key)") }
    }
    guard let file = try text("file") else { throw bank.fail("\(fromPath).file", "missing; the weights file, relative to the bank file") }
    guard let folder = bank.folder else {
      throw bank.fail("\(fromPath).file", "a built-in bank cannot read weights files; import it into a self-contained bank")
    }
    let weightsPath = file.hasPrefix("/") ? file : URL(fileURLWithPath: folder).appendingPathComponent(file).path
    var request = WeightsRequest(file: file, path: weightsPath, weight: try text("weight"), bias: try text("bias"),
                                 batchNorm: try text("batchnorm"))
    request.node = try text("node")
    if request.node != nil, let key = ["weight", "bias", "batchnorm", "eps", "layout"].first(where: { from[$0] != nil }) {
      throw bank.fail("\(fromPath).\(key)", "an ONNX \"node\" gives its weight, bias and what folds into it: \"\(key)\" cannot be given with it")
    }
    request.epsilon = try from["eps"].map { (v) throws(BankError) in Double(try bank.number(v, "\(fromPath).eps")) }
    if let layout = try text("layout") {
      guard let parsed = WeightsRequest.Layout(rawValue: layout) else {
        throw bank.fail("\(fromPath).layout", "expected \"OIHW\" (PyTorch, ONNX) or \"HWIO\" (Keras), got \"\(layout)\"")
      }
      request.layout = parsed
    }
    guard let resolver = bank.weights else {
      throw bank.fail("\(fromPath).file", "this bank takes its filters from a weights file, which only featuremaps import and the commands read")
    }
    let result: ImportedFilters
    do {
      result = try resolver.filters(request, channels: inputChannels.count, groups: json["groups"] == nil && request.node != nil ? nil : groups)
    } catch {
      throw bank.fail("\(fromPath).\(error.field)", error.reason)
    }
    // An ONNX node's chain gives what the layer does not say itself.
    var (stride, dilation, groups, padding, activation) = (stride, dilation, groups, padding, activation)
    if let graph = result.graph {
      if json["stride"] == nil { stride = graph.stride }
      if json["dilation"] == nil { dilation = graph.dilation }
      if json["groups"] == nil { groups = graph.groups }
      if json["padding"] == nil { padding = graph.padding }
      if json["activation"] == nil { activation = graph.activation }
    }
    var names: [String] = []
    if let list = from["names"] {
      let items = try bank.array(list, "\(fromPath).names")
      guard items.count == result.filterCount else {
        throw bank.fail("\(fromPath).names", "\(items.count) names for the \(result.filterCount) filters of '\(result.weight)'")
      }
      for (i, item) in items.enumerated() { names.append(try filterName(item, "\(fromPath).names[\(i)]", existing: names, isName: true)) }
    } else {
      let base = try json["name"].map { (v) throws(BankError) in try bank.string(v, at("name")) } ?? "conv\(convNumber)"
      names = (0..<result.filterCount).map { "\(base)-\($0)" }
    }
    try checkSlopes(activation, filters: result.filterCount)
    let conv = ConvLayer(
      inputChannels: inputChannels.count, filterCount: result.filterCount, kernel: result.kernel, weights: result.weights,
      bias: result.bias, stride: stride, dilation: dilation, groups: groups, padding: padding, paddingMode: paddingMode,
      activation: activation, flip: flip)
    return BankLayer(layer: .conv(conv), outputNames: names, path: path,
                     origin: WeightsOrigin(file: file, path: weightsPath, tensors: result.tensors), trained: result.trained.batchNorm ? result.trained : nil)
  }

  // MARK: - Options

  func paddingRule() throws(BankError) -> PaddingRule {
    guard let value = json["padding"] else { return .fixed(.none) }
    if case .string(let word) = value {
      guard let rule = PaddingRule.named(word) else { throw bank.fail(at("padding"), "expected \"same\", \"valid\", a whole number, [py, px] or [top, left, bottom, right], got \"\(word)\"") }
      return rule
    }
    return .fixed(try bank.fixedPadding(value, at("padding")))
  }

  func paddingMode() throws(BankError) -> PaddingMode {
    guard let value = json["padding_mode"] else { return .zeros }
    let word = try bank.string(value, at("padding_mode"))
    switch PaddingMode.named(word) {
    case .success(let mode): return mode
    case .failure(let error): throw bank.fail(at("padding_mode"), error.reason)
    }
  }

  /// PReLU has one slope, or one per filter.
  func checkSlopes(_ activation: Activation, filters: Int) throws(BankError) {
    guard !activation.fits(filters: filters), case .prelu(let slopes) = activation else { return }
    throw bank.fail(at("slopes"), "\(slopes.count) slopes for \(filters) \(filters == 1 ? "filter" : "filters"): give one slope for all, or one per filter")
  }

  /// The activation and its parameters (`negative_slope`, `alpha`, `beta`, `min`, `max`: numbers;
  /// `slopes`: an array, or one number). PReLU's slopes are counted against the filters in `BankLayer`.
  func activation() throws(BankError) -> Activation {
    let word = try json["activation"].map { (v) throws(BankError) in try bank.string(v, at("activation")) } ?? "none"
    var parameters: [String: [Float]] = [:]
    for key in Activation.parameterNames {
      guard let value = json[key] else { continue }
      if key == "slopes", case .array = value {
        parameters[key] = try bank.numbers(value, at(key))
      } else {
        parameters[key] = [try bank.number(value, at(key))]
      }
    }
    switch Activation.named(word, parameters: parameters) {
    case .success(let activation): return activation
    case .failure(let error):
      let blamed = Activation.names.contains(word) ? parameters.keys.sorted().first.map(at) ?? at("activation") : at("activation")
      throw bank.fail(blamed, error.reason)
    }
  }

  // MARK: - Filters

  /// A filter's name: `filterPath.name`, or, with `isName`, the value at `filterPath` itself.
  func filterName(_ value: JSONValue?, _ filterPath: String, existing: [String], isName: Bool = false) throws(BankError) -> String {
    let namePath = isName ? filterPath : "\(filterPath).name"
    guard let value else { throw bank.fail(namePath, "missing; every filter needs a name (it names the map's file)") }
    let name = try bank.string(value, namePath)
    if name.isEmpty { throw bank.fail(namePath, "must not be empty") }
    if name.count > BankLimits.maximumNameLength {
      throw bank.fail(namePath, "longer than \(BankLimits.maximumNameLength) characters")
    }
    if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
      throw bank.fail(namePath, "must not contain control characters")
    }
    if let other = existing.firstIndex(where: { $0.lowercased() == name.lowercased() }) {
      throw bank.fail(namePath, "\"\(name)\" is already the name of filter \(other) (names must differ, ignoring case)")
    }
    return name
  }

  struct KernelShape {
    var rows: Int
    var columns: Int
    /// Where the shape was first seen, for messages.
    var path: String
  }

  /// The filter's kernels, in input-channel order, flattened to (C / groups, KH, KW).
  func kernels(of filter: JSONValue, _ filterPath: String, channels: [String], shape: inout KernelShape?) throws(BankError) -> [Float] {
    switch (filter["kernels"], filter["weights"]) {
    case (nil, nil):
      throw bank.fail(filterPath, "needs \"kernels\" (one per input channel, by name) or \"weights\" ([channels][rows][columns])")
    case (.some, .some):
      throw bank.fail(filterPath, "has both \"kernels\" and \"weights\"; use one")
    case (.some(let kernels), nil):
      let kernelsPath = "\(filterPath).kernels"
      guard case .object(let members) = kernels else { throw bank.fail(kernelsPath, "expected an object keyed by input channel, got \(kernels.kindName)") }
      let expected = channels.map { "\"\($0)\"" }.joined(separator: ", ")
      for member in members where !channels.contains(member.key) {
        throw bank.fail("\(kernelsPath).\(member.key)", "not an input channel of this filter; expected kernels for \(expected)")
      }
      var result: [Float] = []
      for channel in channels {
        guard let kernel = kernels[channel] else {
          throw bank.fail(kernelsPath, "missing the kernel for input channel \"\(channel)\"; expected kernels for \(expected)")
        }
        result += try matrix(kernel, "\(kernelsPath).\(channel)", shape: &shape)
      }
      return result
    case (nil, .some(let weights)):
      let weightsPath = "\(filterPath).weights"
      let planes = try bank.array(weights, weightsPath)
      guard planes.count == channels.count, planes.allSatisfy({ if case .array = $0 { return true } else { return false } }) else {
        throw bank.fail(weightsPath, "expected \(channels.count) kernels ([in_channels / groups][rows][columns], one per input channel \(channels.joined(separator: ", "))), got \(planes.count == channels.count ? "a wrong depth" : "\(planes.count)")")
      }
      var result: [Float] = []
      for (c, plane) in planes.enumerated() { result += try matrix(plane, "\(weightsPath)[\(c)]", shape: &shape) }
      return result
    }
  }

  /// One kernel: rows of numbers, all kernels of a layer the same shape.
  func matrix(_ json: JSONValue, _ path: String, shape: inout KernelShape?) throws(BankError) -> [Float] {
    let rows = try bank.array(json, path)
    var values: [Float] = []
    var firstRowLength: Int?
    for (r, row) in rows.enumerated() {
      guard case .array(let items) = row else {
        throw bank.fail("\(path)[\(r)]", "expected a row of numbers, got \(row.kindName)")
      }
      if let expected = shape, items.count != expected.columns {
        throw bank.fail(path, "expected \(expected.rows) rows of \(expected.columns) numbers (like \(expected.path)), got a row of \(items.count)")
      }
      if let first = firstRowLength, items.count != first {
        throw bank.fail(path, "ragged kernel: row 0 has \(first) numbers, row \(r) has \(items.count)")
      }
      firstRowLength = items.count
      for (i, item) in items.enumerated() { values.append(try bank.number(item, "\(path)[\(r)][\(i)]")) }
    }
    let columns = firstRowLength ?? 0
    if rows.isEmpty || columns == 0 { throw bank.fail(path, "a kernel needs at least one row of at least one number") }
    if rows.count > BankLimits.maximumKernelSide || columns > BankLimits.maximumKernelSide {
      throw bank.fail(path, "a \(rows.count)x\(columns) kernel is over the limit of \(BankLimits.maximumKernelSide) per side")
    }
    if let expected = shape {
      if rows.count != expected.rows {
        throw bank.fail(path, "expected \(expected.rows) rows of \(expected.columns) numbers (like \(expected.path)), got \(rows.count) rows")
      }
    } else {
      shape = KernelShape(rows: rows.count, columns: columns, path: path)
    }
    return values
  }
}
