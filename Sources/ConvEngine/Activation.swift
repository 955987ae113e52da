/// Applied to each output value after the bias. Its names (`name`, `named`) are the ones the bank format,
/// `import --activation`, `explain`, `summary` and the report's page use: spelled here only.
public enum Activation: Sendable, Equatable, CustomStringConvertible {
  case none
  case relu
  case relu6
  case leakyReLU(negativeSlope: Float)
  case sigmoid
  case tanh

  @inline(__always)
  public func apply(_ v: Float) -> Float {
    switch self {
    case .none: return v
    case .relu: return max(v, 0)
    case .relu6: return min(max(v, 0), 6)
    case .leakyReLU(let slope): return v >= 0 ? v : v * slope
    case .sigmoid: return 1 / (1 + _exp(-v))
    case .tanh: return _tanh(v)
    }
  }

  /// Every name, in the order messages list them.
  public static let names = ["none", "relu", "relu6", "leaky_relu", "sigmoid", "tanh"]
  /// PyTorch's and ONNX's default slope of `leaky_relu`.
  public static let defaultNegativeSlope: Float = 0.01

  /// The activation's name, without its parameter.
  public var name: String {
    switch self {
    case .none: return "none"
    case .relu: return "relu"
    case .relu6: return "relu6"
    case .leakyReLU: return "leaky_relu"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    }
  }

  /// The slope of `leaky_relu` below zero; nil for the others.
  public var negativeSlope: Float? {
    if case .leakyReLU(let slope) = self { return slope }
    return nil
  }

  /// The name with its parameter, for text: `leaky_relu(0.01)`.
  public var description: String { negativeSlope.map { "\(name)(\($0))" } ?? name }

  /// The activation called `name`, with `negativeSlope` for `leaky_relu` (default 0.01); or why not, as a
  /// phrase for a message.
  public static func named(_ name: String, negativeSlope: Float? = nil) -> Result<Activation, LayerWordError> {
    if negativeSlope != nil && name != "leaky_relu" { return .failure(LayerWordError("a negative slope is only used with leaky_relu")) }
    switch name {
    case "none": return .success(.none)
    case "relu": return .success(.relu)
    case "relu6": return .success(.relu6)
    case "leaky_relu": return .success(.leakyReLU(negativeSlope: negativeSlope ?? defaultNegativeSlope))
    case "sigmoid": return .success(.sigmoid)
    case "tanh": return .success(.tanh)
    default: return .failure(LayerWordError("unknown activation \"\(name)\"; expected \(LayerWordError.list(names))"))
    }
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#else
  import Darwin
#endif
@inline(__always) func _exp(_ v: Float) -> Float { expf(v) }
@inline(__always) func _tanh(_ v: Float) -> Float { tanhf(v) }
