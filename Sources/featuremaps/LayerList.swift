import ConvEngine
import FilterBanks

/// `import --layers`: a network's stem from a file that holds its weights but not its graph (a PyTorch state
/// dict, safetensors, NumPy .npz, Keras weights), layer by layer as the model's code builds it. Layers are
/// separated by `;`; a conv layer is `WEIGHT[+BATCHNORM]` then words, a pooling layer `maxpool SIZE` or
/// `avgpool SIZE` then words:
///
///     0+1 padding=1 silu; 3+4 padding=1 hard_swish; maxpool 2; 7+8 prelu=9.weight
///
/// WEIGHT is a tensor, or a module's prefix whose `.weight` (and `.bias`, when the file has it) the layer
/// takes; BATCHNORM a batch norm's prefix, folded in. Words: `stride=`, `padding=`, `dilation=`, `groups=`
/// (default: from the weight's shape), `bias=TENSOR`, `prelu=TENSOR` (PReLU's slopes, as a state dict holds
/// them), or an activation with its parameters as `--activation` takes it (`relu6`, `clip:0,6`).
struct LayerList: OptionValue, CustomStringConvertible {
  enum Item {
    case conv(Conv)
    case pool(PoolLayer)
  }

  struct Conv {
    var weight: String
    var batchNorm: String?
    var bias: String?
    var stride = Pair(1)
    var padding = PaddingRule.fixed(.none)  // PyTorch's default
    var dilation = Pair(1)
    var groups: Int?
    var activation: ActivationName?
    /// The tensor of PReLU's slopes.
    var slopes: String?
  }

  var items: [Item]
  var text: String
  var description: String { text }

  static func parse(_ text: String) throws(OptionValueError) -> LayerList {
    var items: [Item] = []
    for (i, part) in text.split(separator: ";").enumerated() {
      let words = part.split(whereSeparator: \.isWhitespace).map(String.init)
      guard let first = words.first else { continue }
      let at = "layer \(i + 1) ('\(words.joined(separator: " "))')"
      if first == "maxpool" || first == "avgpool" {
        items.append(.pool(try pool(first == "avgpool", Array(words.dropFirst()), at)))
      } else {
        items.append(.conv(try conv(first, Array(words.dropFirst()), at)))
      }
    }
    guard !items.isEmpty else { throw OptionValueError("give the layers, separated by ';', e.g. \"conv1+bn1 stride=2 padding=3 relu; maxpool 3 stride=2 padding=1\"") }
    return LayerList(items: items, text: text)
  }

  private static func conv(_ first: String, _ words: [String], _ at: String) throws(OptionValueError) -> Conv {
    let names = first.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
    guard names.count <= 2, names.allSatisfy({ !$0.isEmpty }) else {
      throw OptionValueError("\(at): a conv layer starts with WEIGHT or WEIGHT+BATCHNORM (a tensor or a module's prefix), not '\(first)'")
    }
    var conv = Conv(weight: names[0], batchNorm: names.count == 2 ? names[1] : nil)
    for word in words {
      let (key, value) = keyValue(word)
      do throws(OptionValueError) {
        switch key {
        case "stride": conv.stride = try PairValue.parse(value).pair
        case "dilation": conv.dilation = try PairValue.parse(value).pair
        case "padding": conv.padding = try PaddingValue.parse(value).rule
        case "groups":
          guard let g = Int(value), (1...BankLimits.maximumFilters).contains(g) else { throw OptionValueError("give a whole number from 1 to \(BankLimits.maximumFilters)") }
          conv.groups = g
        case "bias": conv.bias = value
        case "prelu": conv.slopes = value
        default:
          guard value.isEmpty || Activation.names.contains(key) else {
            throw OptionValueError("unknown word; a conv layer takes stride=, padding=, dilation=, groups=, bias=, prelu= and an activation")
          }
          guard conv.activation == nil, conv.slopes == nil else { throw OptionValueError("a layer has one activation") }
          conv.activation = try ActivationName.parse(word)
        }
      } catch {
        throw OptionValueError("\(at): '\(word)': \(error.description)")
      }
    }
    if conv.slopes != nil, conv.activation != nil { throw OptionValueError("\(at): a layer has one activation (prelu= is one)") }
    return conv
  }

  private static func pool(_ average: Bool, _ words: [String], _ at: String) throws(OptionValueError) -> PoolLayer {
    guard let sizeText = words.first, let size = try? PairValue.parse(sizeText).pair, size.y <= BankLimits.maximumKernelSide, size.x <= BankLimits.maximumKernelSide else {
      throw OptionValueError("\(at): a pooling layer is '\(average ? "avgpool" : "maxpool") SIZE' (N or Y,X), then stride= and padding=")
    }
    var pool = PoolLayer(kind: average ? .average : .max, size: size, stride: size, padding: .none)
    for word in words.dropFirst() {
      let (key, value) = keyValue(word)
      do throws(OptionValueError) {
        switch key {
        case "stride": pool.stride = try PairValue.parse(value).pair
        case "padding":
          guard case .fixed(let padding) = try PaddingValue.parse(value).rule else { throw OptionValueError("pooling takes whole numbers") }
          guard padding.sides.allSatisfy({ $0 <= min(size.y, size.x) / 2 }) else {
            throw OptionValueError("pooling padding must be at most half the window, as in PyTorch")
          }
          pool.padding = padding
        default: throw OptionValueError("unknown word; a pooling layer takes stride= and padding=")
        }
      } catch {
        throw OptionValueError("\(at): '\(word)': \(error.description)")
      }
    }
    return pool
  }

  private static func keyValue(_ word: String) -> (String, String) {
    guard let equals = word.firstIndex(of: "=") else { return (String(word.split(separator: ":").first ?? ""), "") }
    return (String(word[..<equals]), String(word[word.index(after: equals)...]))
  }
}
