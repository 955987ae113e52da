import Basics
import Foundation

/// A Conv node of an ONNX graph and what it computes up to its activation, as `featuremaps import --node`
/// reads it: its weight and bias, its attributes, the per-channel affine nodes right after it that fold
/// into its weights and bias (a batch norm, or the Add/Sub/Mul a converter left), and its activation.
public struct ONNXConv: Sendable, Equatable {
  /// 1-based, counting Conv nodes in graph order.
  public var index: Int
  public var name: String
  public var weight: String
  public var bias: String?
  public var strides: [Int]?
  /// [top, left, bottom, right] (ONNX's begin, begin, end, end).
  public var pads: [Int]?
  public var dilations: [Int]?
  /// The kernel's rows and columns as the node states them (they must agree with the weight's).
  public var kernelShape: [Int]?
  public var group: Int
  /// NOTSET, SAME_UPPER, SAME_LOWER or VALID.
  public var autoPad: String
  public var folded: [ONNXAffine]
  /// The elementwise node the chain stops at, as the graph states it (which of them a bank can express is
  /// the importer's business), if the chain stops at one.
  public var activation: ONNXActivation?
  /// Where the chain ends when not at an activation: the node after it that a bank cannot express, or a
  /// branch; nil at the graph's output.
  public var endsBefore: String?
  /// The tensor the Conv reads, and the one its chain ends with (after its activation, if any).
  public var input = ""
  public var output = ""
}

/// An elementwise node after a Conv's chain: its operator and the parameters a bank's activation could
/// take from it.
public struct ONNXActivation: Sendable, Equatable {
  /// The operator, or `SiLU` for x * Sigmoid(x) (HardSwish also for x * HardSigmoid(x)).
  public var op: String
  /// LeakyRelu's, Elu's and HardSigmoid's `alpha`.
  public var alpha: Float?
  /// HardSigmoid's `beta`.
  public var beta: Float?
  /// Clip's bounds (inputs from opset 11, attributes before); nil where the node gives none.
  public var minimum: Float?
  public var maximum: Float?
  /// Gelu's `approximate`: "none" or "tanh".
  public var approximate: String?
  /// PRelu's slope tensor.
  public var slopes: String?
  /// The node's inputs that are not empty: one for an elementwise activation (two for PRelu, one to three for
  /// Clip); a node with more is not that operator as ONNX defines it.
  public var inputCount = 1

  public init(op: String, alpha: Float? = nil, beta: Float? = nil, minimum: Float? = nil, maximum: Float? = nil,
              approximate: String? = nil, slopes: String? = nil) {
    self.op = op
    self.alpha = alpha
    self.beta = beta
    self.minimum = minimum
    self.maximum = maximum
    self.approximate = approximate
    self.slopes = slopes
  }
}

/// A per-channel operation with a constant, applied to a conv layer's output.
public enum ONNXAffine: Sendable, Equatable, CustomStringConvertible {
  case add(String)
  case subtract(String)
  /// constant - x
  case subtractFrom(String)
  case multiply(String)
  case divide(String)
  case batchNorm(scale: String, bias: String, mean: String, variance: String, epsilon: Float)

  public var description: String {
    switch self {
    case .add(let c): return "Add \(c)"
    case .subtract(let c): return "Sub \(c)"
    case .subtractFrom(let c): return "\(c) - x"
    case .multiply(let c): return "Mul \(c)"
    case .divide(let c): return "Div \(c)"
    case .batchNorm: return "BatchNormalization"
    }
  }
}

/// An ONNX model (`.onnx`): its initializers and Constant nodes' values as tensors (FLOAT, FLOAT16,
/// BFLOAT16, DOUBLE; `float_data`, `double_data`, `int32_data` or `raw_data`; external data refused), and its
/// Conv nodes.
public struct ONNXReader: WeightsReader {
  public let file: String
  public var format: WeightsFormat { .onnx }
  public let tensors: [TensorInfo]
  public private(set) var convs: [ONNXConv] = []
  /// The graph's nodes, in order.
  private var nodes: [Node] = []

  /// The graph's sequential stem from its input (see `ONNXStem`), up to and with the node named `until` (a
  /// Conv's name or number, or a pooling node's name) when given.
  public func stem(until: String?) throws(WeightsError) -> ONNXStem {
    try ConvChains(reader: self, nodes: nodes).stem(of: convs, until: until)
  }
  /// The file's bytes (mapped), which attributes and tensors are read from.
  let bytes: Data
  private let tensorMessages: [String: Range<Int>]

  static let typeNames = [1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING",
                          9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 16: "BFLOAT16"]

  struct Node {
    var name = ""
    var op = ""
    var inputs: [String] = []
    var outputs: [String] = []
    var attributes: [String: ProtobufFields.Field] = [:]
  }

  init(file: String, bytes: Data) throws(WeightsError) {
    self.file = file
    self.bytes = bytes
    var nodes: [Node] = []
    var messages: [String: Range<Int>] = [:]
    var infos: [TensorInfo] = []
    let model = ProtobufFields(bytes: bytes, range: 0..<bytes.count)
    do throws(ProtobufFields.Failure) {
      var graph: ProtobufFields?
      try model.forEach { (field) throws(ProtobufFields.Failure) in
        if field.number == 7, field.wireType == 2 { graph = model.message(field) }
      }
      guard let graph else { throw ProtobufFields.Failure(reason: "is not an ONNX model (no graph)") }
      try graph.forEach { (field) throws(ProtobufFields.Failure) in
        guard field.wireType == 2 else { return }
        if field.number == 5 {  // initializer
          let (name, info) = try Self.describe(graph.message(field))
          guard messages.count < WeightsLimits.maximumTensors else { throw ProtobufFields.Failure(reason: "holds too many tensors") }
          if messages[name] == nil { infos.append(info) }
          messages[name] = field.payload
        } else if field.number == 1 {  // node
          nodes.append(try Self.node(graph.message(field)))
        }
      }
      for node in nodes where node.op == "Constant" {
        guard let value = node.attributes["value"], let output = node.outputs.first else { continue }
        // The attribute's `t` (field 5) is the tensor.
        var tensor: Range<Int>?
        let attribute = graph.message(value)
        try attribute.forEach { (part) throws(ProtobufFields.Failure) in if part.number == 5, part.wireType == 2 { tensor = part.payload } }
        guard let tensor else { continue }
        var (_, info) = try Self.describe(ProtobufFields(bytes: bytes, range: tensor))
        info.name = output
        if messages[output] == nil { infos.append(info) }
        messages[output] = tensor
      }
    } catch {
      throw WeightsError(file: file, reason: error.reason)
    }
    tensors = infos
    tensorMessages = messages
    try Self.checkOrder(nodes, file: file)
    self.nodes = nodes
    convs = try ConvChains(reader: self, nodes: nodes).convs()
  }

  /// ONNX graphs are sorted: every tensor is written by one node, before any node reads it. Checked once,
  /// so that every walk along the graph (always to later nodes) ends: a cycle is refused here in one line.
  static func checkOrder(_ nodes: [Node], file: String) throws(WeightsError) {
    var writer: [String: Int] = [:]
    for (i, node) in nodes.enumerated() {
      for output in node.outputs where !output.isEmpty {
        if let first = writer[output] {
          throw WeightsError(
            file: file, reason: "tensor '\(output)' is written by two nodes (\(describe(nodes[first])) and \(describe(node))): the graph is not a valid ONNX graph")
        }
        writer[output] = i
      }
    }
    for (i, node) in nodes.enumerated() {
      for input in node.inputs where !input.isEmpty {
        if let w = writer[input], w >= i {
          throw WeightsError(
            file: file, reason: "\(describe(node)) reads tensor '\(input)' before \(describe(nodes[w])) writes it: the graph has a cycle or is not in order, not a valid ONNX graph")
        }
      }
    }
  }

  /// A node as messages name it: its operator and its name.
  static func describe(_ node: Node) -> String { node.name.isEmpty ? "an unnamed \(node.op) node" : "\(node.op) node '\(node.name)'" }

  /// A TensorProto's name and what it lists, without its data.
  static func describe(_ tensor: ProtobufFields) throws(ProtobufFields.Failure) -> (String, TensorInfo) {
    var name = ""
    var dims: [Int] = []
    var type = 0
    try tensor.forEach { (field) throws(ProtobufFields.Failure) in
      switch field.number {
      case 1:
        for dim in try tensor.integers(field) {
          guard dim >= 0, dim <= Int64(Int32.max) else { throw ProtobufFields.Failure(reason: "a tensor has the dimension \(dim)") }
          dims.append(Int(dim))
        }
      case 2: type = Int(truncatingIfNeeded: field.scalar)
      case 8: name = tensor.string(field)
      default: break
      }
    }
    return (name, TensorInfo(name: name, dtype: typeNames[type] ?? "type \(type)", shape: dims))
  }

  static func node(_ message: ProtobufFields) throws(ProtobufFields.Failure) -> Node {
    var node = Node()
    try message.forEach { (field) throws(ProtobufFields.Failure) in
      switch (field.number, field.wireType) {
      case (1, 2): node.inputs.append(message.string(field))
      case (2, 2): node.outputs.append(message.string(field))
      case (3, 2): node.name = message.string(field)
      case (4, 2): node.op = message.string(field)
      case (5, 2):
        let attribute = message.message(field)
        var name = ""
        try attribute.forEach { (part) throws(ProtobufFields.Failure) in if part.number == 1, part.wireType == 2 { name = attribute.string(part) } }
        node.attributes[name] = field
      default: break
      }
    }
    return node
  }

  public func read(_ name: String) throws(WeightsError) -> WeightsTensor {
    guard let range = tensorMessages[name] else { throw WeightsError(file: file, reason: "has no tensor '\(name)'") }
    func fail(_ reason: String) -> WeightsError { WeightsError(file: file, reason: "tensor '\(name)' \(reason)") }
    let tensor = ProtobufFields(bytes: bytes, range: range)
    var shape: [Int] = []
    var type = 0
    var raw: Range<Int>?
    var floats: [Float] = []
    var doubles: [Double] = []
    var halves: [UInt16] = []
    var external = false
    do throws(ProtobufFields.Failure) {
      try tensor.forEach { (field) throws(ProtobufFields.Failure) in
        switch field.number {
        case 1: shape += try tensor.integers(field).map { Int(clamping: $0) }
        case 2: type = Int(truncatingIfNeeded: field.scalar)
        case 4:  // float_data: packed fixed32, or one field each
          if field.wireType == 5 {
            floats.append(Float(bitPattern: UInt32(truncatingIfNeeded: field.scalar)))
          } else {
            guard field.payload.count % 4 == 0, floats.count + field.payload.count / 4 <= WeightsLimits.maximumElements else {
              throw ProtobufFields.Failure(reason: "float_data does not hold whole floats or is over the limit")
            }
            floats += bytes.withUnsafeBytes { ElementType.float32.decode($0, offset: field.payload.lowerBound, count: field.payload.count / 4, bigEndian: false) }
          }
        case 5: halves += try tensor.integers(field).map { UInt16(truncatingIfNeeded: $0) }
        case 9: raw = field.payload
        case 10:
          if field.wireType == 1 {
            doubles.append(Double(bitPattern: field.scalar))
          } else {
            guard field.payload.count % 8 == 0 else { throw ProtobufFields.Failure(reason: "double_data does not hold whole numbers") }
            doubles += bytes.withUnsafeBytes { raw in
              (0..<field.payload.count / 8).map { Double(bitPattern: raw.loadUnaligned(fromByteOffset: field.payload.lowerBound + $0 * 8, as: UInt64.self)) }
            }
          }
        case 13: external = true
        case 14: external = external || field.scalar == 1
        default: break
        }
      }
    } catch {
      throw fail(error.reason)
    }
    if external { throw fail("is stored outside the .onnx file (external data); featuremaps reads weights stored in the file") }
    let count = try checkedElementCount(shape, of: name, in: file)
    let element: ElementType
    switch type {
    case 1: element = .float32
    case 10: element = .float16
    case 11: element = .float64
    case 16: element = .bfloat16
    default: throw fail("is \(Self.typeNames[type] ?? "of type \(type)"); featuremaps reads FLOAT, FLOAT16, BFLOAT16 and DOUBLE")
    }
    var values: [Float]
    if let raw {
      guard let size = Checked.product(count, element.size), size == raw.count else {
        throw fail("has \(raw.count) bytes of raw_data for shape \(shapeText(shape)) of \(Self.typeNames[type]!)")
      }
      values = bytes.withUnsafeBytes { element.decode($0, offset: raw.lowerBound, count: count, bigEndian: false) }
    } else {
      switch element {
      case .float32: values = floats
      case .float64: values = doubles.map(Float.init)
      case .float16: values = halves.map(ElementType.halfToFloat)
      case .bfloat16: values = halves.map { Float(bitPattern: UInt32($0) << 16) }
      }
      guard values.count == count else { throw fail("holds \(values.count) values for shape \(shapeText(shape))") }
    }
    return WeightsTensor(name: name, shape: shape, values: values)
  }
}

/// The layers of a graph a bank can hold one after the other from its input: Conv chains (each with what
/// folds into it and its activation) and MaxPool/AveragePool nodes, in order, and where and why it stops.
public struct ONNXStem: Sendable, Equatable {
  public enum Step: Sendable, Equatable {
    case conv(ONNXConv)
    /// `average`: AveragePool (counting padded zeros: `count_include_pad`); `pads` [top, left, bottom, right].
    case pool(name: String, average: Bool, kernel: [Int], strides: [Int], pads: [Int])
  }
  public var steps: [Step]
  /// The node a bank cannot express (or the branch) the stem stops before; nil when it ends at the graph's
  /// output or at the node asked for.
  public var endsBefore: String?
  /// The node asked for (`until`) was reached (true when none was asked for).
  public var reachedUntil: Bool
}
