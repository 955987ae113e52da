/// Applied to each output value after the bias. Its names (`name`, `named`) are the ones the bank format,
/// `import --activation`, `explain`, `summary` and the report's page use: spelled here only. The
/// definitions are PyTorch's and ONNX's (`formula` says each; docs/BANK-FORMAT.md lists them).
public enum Activation: Sendable, Equatable, CustomStringConvertible {
  case none
  case relu
  case relu6
  case leakyReLU(negativeSlope: Float)
  case sigmoid
  case tanh
  /// x * sigmoid(x) (PyTorch `SiLU`, "swish").
  case silu
  /// x * relu6(x + 3) / 6 (PyTorch `Hardswish`, ONNX `HardSwish`).
  case hardSwish
  /// max(0, min(1, alpha * x + beta)): PyTorch's `Hardsigmoid` is alpha 1/6, beta 1/2, ONNX's default 0.2, 0.5.
  case hardSigmoid(alpha: Float, beta: Float)
  /// x * (1 + erf(x / sqrt 2)) / 2 (PyTorch `GELU()`, ONNX `Gelu`).
  case gelu
  /// x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2 (PyTorch `GELU(approximate='tanh')`).
  case geluTanh
  /// x for x > 0, alpha * (exp(x) - 1) below (PyTorch `ELU`, ONNX `Elu`).
  case elu(alpha: Float)
  /// x * tanh(softplus(x)), softplus(x) = log(1 + exp(x)) (PyTorch `Mish`, ONNX `Mish`).
  case mish
  /// min(max(x, minimum), maximum) (ONNX `Clip`, PyTorch `Hardtanh`/`clamp`).
  case clip(minimum: Float, maximum: Float)
  /// x for x >= 0, slope * x below, one slope per filter (or one for all) (PyTorch `PReLU`, ONNX `PRelu`).
  case prelu(slopes: [Float])

  /// The activation of filter `filter`'s value `v`.
  @inline(__always)
  public func apply(_ v: Float, filter: Int = 0) -> Float {
    switch self {
    case .none: return v
    case .relu: return max(v, 0)
    case .relu6: return min(max(v, 0), 6)
    case .leakyReLU(let slope): return v >= 0 ? v : v * slope
    case .sigmoid: return 1 / (1 + _exp(-v))
    case .tanh: return _tanh(v)
    case .silu: return v / (1 + _exp(-v))
    case .hardSwish: return v * min(max(v + 3, 0), 6) / 6
    case .hardSigmoid(let alpha, let beta): return min(max(alpha * v + beta, 0), 1)
    case .gelu: return 0.5 * v * (1 + _erf(v * 0.70710678118654752))
    case .geluTanh: return 0.5 * v * (1 + _tanh(0.79788456080286536 * (v + 0.044715 * v * v * v)))
    case .elu(let alpha): return v > 0 ? v : alpha * _expm1(v)
    case .mish: return v * _tanh(Self.softplus(v))
    case .clip(let low, let high): return min(max(v, low), high)
    case .prelu(let slopes): return v >= 0 ? v : v * slopes[slopes.count == 1 ? 0 : filter]
    }
  }

  /// log(1 + exp(x)), as PyTorch computes it for Mish: x itself above 20, where exp would overflow.
  @inline(__always)
  static func softplus(_ v: Float) -> Float { v > 20 ? v : _log1p(_exp(v)) }

  /// Every name, in the order messages list them.
  public static let names = [
    "none", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "silu", "hard_swish", "hard_sigmoid", "gelu", "gelu_tanh", "elu",
    "mish", "clip", "prelu",
  ]
  /// PyTorch's and ONNX's default slope of `leaky_relu`.
  public static let defaultNegativeSlope: Float = 0.01

  /// The activation's name, without its parameters.
  public var name: String {
    switch self {
    case .none: return "none"
    case .relu: return "relu"
    case .relu6: return "relu6"
    case .leakyReLU: return "leaky_relu"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    case .silu: return "silu"
    case .hardSwish: return "hard_swish"
    case .hardSigmoid: return "hard_sigmoid"
    case .gelu: return "gelu"
    case .geluTanh: return "gelu_tanh"
    case .elu: return "elu"
    case .mish: return "mish"
    case .clip: return "clip"
    case .prelu: return "prelu"
    }
  }

  /// The slope of `leaky_relu` below zero; nil for the others.
  public var negativeSlope: Float? {
    if case .leakyReLU(let slope) = self { return slope }
    return nil
  }

  /// The parameters as the bank format names them (`negative_slope`, `alpha`, `beta`, `min`, `max`,
  /// `slopes`), in order.
  public var parameters: [(name: String, values: [Float])] {
    switch self {
    case .leakyReLU(let slope): return [("negative_slope", [slope])]
    case .hardSigmoid(let alpha, let beta): return [("alpha", [alpha]), ("beta", [beta])]
    case .elu(let alpha): return [("alpha", [alpha])]
    case .clip(let low, let high): return [("min", [low]), ("max", [high])]
    case .prelu(let slopes): return [("slopes", slopes)]
    default: return []
    }
  }

  /// Every parameter name some activation takes.
  public static let parameterNames = ["negative_slope", "alpha", "beta", "min", "max", "slopes"]

  /// The parameters activation `name` takes, in the order `description` and `import --activation` give them.
  public static func parameterNames(of name: String) -> [String] {
    switch name {
    case "leaky_relu": return ["negative_slope"]
    case "hard_sigmoid": return ["alpha", "beta"]
    case "elu": return ["alpha"]
    case "clip": return ["min", "max"]
    case "prelu": return ["slopes"]
    default: return []
    }
  }

  /// The name with its parameters, for text: `leaky_relu(0.01)`, `clip(0, 6)`, `prelu(64 slopes)`.
  public var description: String {
    switch self {
    case .prelu(let slopes): return slopes.count == 1 ? "prelu(\(slopes[0]))" : "prelu(\(slopes.count) slopes)"
    default:
      let values = parameters.flatMap(\.values)
      return values.isEmpty ? name : "\(name)(" + values.map { "\($0)" }.joined(separator: ", ") + ")"
    }
  }

  /// The definition for filter `filter`, for `explain`: PReLU with that filter's slope.
  public func formula(filter: Int) -> String {
    guard case .prelu(let slopes) = self, slopes.count > 1 else { return formula }
    return "x if x >= 0, else \(slopes[filter]) * x"
  }

  /// The definition, for `explain` (x is the value before the activation).
  public var formula: String {
    switch self {
    case .none: return "x"
    case .relu: return "max(x, 0)"
    case .relu6: return "min(max(x, 0), 6)"
    case .leakyReLU(let slope): return "x if x >= 0, else \(slope) * x"
    case .sigmoid: return "1 / (1 + exp(-x))"
    case .tanh: return "tanh(x)"
    case .silu: return "x * sigmoid(x) = x / (1 + exp(-x))"
    case .hardSwish: return "x * min(max(x + 3, 0), 6) / 6"
    case .hardSigmoid(let alpha, let beta): return "min(max(\(alpha) * x + \(beta), 0), 1)"
    case .gelu: return "x * (1 + erf(x / sqrt(2))) / 2"
    case .geluTanh: return "x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))) / 2"
    case .elu(let alpha): return "x if x > 0, else \(alpha) * (exp(x) - 1)"
    case .mish: return "x * tanh(log(1 + exp(x)))"
    case .clip(let low, let high): return "min(max(x, \(low)), \(high))"
    case .prelu(let slopes): return slopes.count == 1 ? "x if x >= 0, else \(slopes[0]) * x" : "x if x >= 0, else the filter's slope * x"
    }
  }

  /// The activation called `name` with the bank format's parameters (`negative_slope` for `leaky_relu`,
  /// default 0.01; `alpha` and `beta` for `hard_sigmoid`, default PyTorch's 1/6 and 1/2; `alpha` for `elu`,
  /// default 1; `min` and `max` for `clip`, both needed; `slopes` for `prelu`, 1 or one per filter of
  /// `filters`); or why not, as a phrase for a message.
  public static func named(_ name: String, parameters: [String: [Float]] = [:], filters: Int? = nil) -> Result<Activation, LayerWordError> {
    let allowed = parameterNames(of: name)
    if names.contains(name), let extra = parameters.keys.sorted().first(where: { !allowed.contains($0) }) {
      return .failure(LayerWordError(allowed.isEmpty ? "\(name) takes no \(extra)" : "\(extra) is not a parameter of \(name) (it takes \(LayerWordError.list(allowed)))"))
    }
    for (key, values) in parameters where key != "slopes" && values.count != 1 {
      return .failure(LayerWordError("\(key) is one number"))
    }
    for (key, values) in parameters where !values.allSatisfy(\.isFinite) {
      return .failure(LayerWordError("\(key) must be finite"))
    }
    func one(_ key: String) -> Float? { parameters[key]?.first }
    switch name {
    case "none": return .success(.none)
    case "relu": return .success(.relu)
    case "relu6": return .success(.relu6)
    case "leaky_relu": return .success(.leakyReLU(negativeSlope: one("negative_slope") ?? defaultNegativeSlope))
    case "sigmoid": return .success(.sigmoid)
    case "tanh": return .success(.tanh)
    case "silu": return .success(.silu)
    case "hard_swish": return .success(.hardSwish)
    case "hard_sigmoid": return .success(.hardSigmoid(alpha: one("alpha") ?? 1.0 / 6, beta: one("beta") ?? 0.5))
    case "gelu": return .success(.gelu)
    case "gelu_tanh": return .success(.geluTanh)
    case "elu": return .success(.elu(alpha: one("alpha") ?? 1))
    case "mish": return .success(.mish)
    case "clip":
      guard let low = one("min"), let high = one("max") else { return .failure(LayerWordError("clip needs both min and max")) }
      guard low <= high else { return .failure(LayerWordError("clip's min \(low) is greater than its max \(high)")) }
      return .success(.clip(minimum: low, maximum: high))
    case "prelu":
      guard let slopes = parameters["slopes"], !slopes.isEmpty else { return .failure(LayerWordError("prelu needs its slopes")) }
      if let filters, slopes.count != 1 && slopes.count != filters {
        return .failure(LayerWordError("\(slopes.count) slopes for \(filters) \(filters == 1 ? "filter" : "filters"): give one slope for all, or one per filter"))
      }
      return .success(.prelu(slopes: slopes))
    default: return .failure(LayerWordError("unknown activation \"\(name)\"; expected \(LayerWordError.list(names))"))
    }
  }

  /// The activation called `name`, with `negativeSlope` for `leaky_relu`: the older form of `named`.
  public static func named(_ name: String, negativeSlope: Float?) -> Result<Activation, LayerWordError> {
    if negativeSlope != nil && name != "leaky_relu" { return .failure(LayerWordError("a negative slope is only used with leaky_relu")) }
    return named(name, parameters: negativeSlope.map { ["negative_slope": [$0]] } ?? [:])
  }

  /// Whether the activation is the same for every filter of `filters` (PReLU's slopes agree in number).
  public func fits(filters: Int) -> Bool {
    if case .prelu(let slopes) = self { return slopes.count == 1 || slopes.count == filters }
    return true
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
@inline(__always) func _expm1(_ v: Float) -> Float { expm1f(v) }
@inline(__always) func _log1p(_ v: Float) -> Float { log1pf(v) }
@inline(__always) func _tanh(_ v: Float) -> Float { tanhf(v) }
@inline(__always) func _erf(_ v: Float) -> Float { erff(v) }
