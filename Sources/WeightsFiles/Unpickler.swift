import Basics
import Foundation

/// A value of a pickle, as far as a state dict needs: the restricted unpickler builds these and nothing
/// else. Lists and dicts are slots of the unpickled `PickleGraph` (shared, as in Python, so that APPEND and
/// SETITEM reach memoized ones); a pickle can make a list contain itself, and indices cannot leak or loop.
indirect enum PickleValue {
  case none
  case bool(Bool)
  case int(Int)
  /// A whole number too large for an Int (the legacy PyTorch magic number), little-endian two's complement.
  case bigInt([UInt8])
  case float(Double)
  case string(String)
  case bytes(Data)
  case tuple([PickleValue])
  /// An index into `PickleGraph.lists`.
  case list(Int)
  /// An index into `PickleGraph.dicts`.
  case dict(Int)
  case set([PickleValue])
  /// One of the allowed globals, as a token (a class or a function it stands for; never called).
  case global(PickleGlobal)
  /// A storage named by a persistent id: where a tensor's numbers are.
  case storage(TorchStorage)
  case tensor(TorchTensor)
}

/// An unpickled value with the lists and dicts it refers to.
struct PickleGraph {
  var root: PickleValue
  var lists: [[PickleValue]]
  /// Members in insertion order.
  var dicts: [[(key: PickleValue, value: PickleValue)]]

  /// The value of string key `name` in dict `index`.
  func member(_ name: String, of index: Int) -> PickleValue? {
    dicts[index].first { if case .string(name) = $0.key { return true } else { return false } }?.value
  }
}

/// The globals a state dict pickle may name. Anything else is refused before anything is built from it.
enum PickleGlobal: Equatable {
  case orderedDict
  case rebuildTensor
  case rebuildTensorV2
  case rebuildParameter
  case rebuildParameterWithState
  case rebuildFromTypeV2
  case tensorType
  case parameterType
  case codecsEncode
  /// A storage class (`torch.FloatStorage`) or a dtype (`torch.float32`), by its element type.
  case storageType(name: String, element: ElementType?)

  static func allowed(module: String, name: String) -> PickleGlobal? {
    switch (module, name) {
    case ("collections", "OrderedDict"): return .orderedDict
    case ("torch._utils", "_rebuild_tensor"): return .rebuildTensor
    case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
    case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
    case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
    case ("torch._tensor", "_rebuild_from_type_v2"): return .rebuildFromTypeV2
    case ("torch", "Tensor"): return .tensorType
    case ("torch.nn.parameter", "Parameter"): return .parameterType
    case ("_codecs", "encode"): return .codecsEncode
    case ("torch", _) where name.hasSuffix("Storage"):
      let element: ElementType? = ["FloatStorage": .float32, "HalfStorage": .float16, "DoubleStorage": .float64,
                                   "BFloat16Storage": .bfloat16][name]
      return .storageType(name: "torch.\(name)", element: element)
    case ("torch.storage", "UntypedStorage"): return .storageType(name: "torch.storage.UntypedStorage", element: nil)
    case ("torch", "float32"), ("torch", "float"): return .storageType(name: "torch.float32", element: .float32)
    case ("torch", "float16"), ("torch", "half"): return .storageType(name: "torch.float16", element: .float16)
    case ("torch", "float64"), ("torch", "double"): return .storageType(name: "torch.float64", element: .float64)
    case ("torch", "bfloat16"): return .storageType(name: "torch.bfloat16", element: .bfloat16)
    default: return nil
    }
  }
}

/// Where a tensor's numbers are: storage `key` (a member `data/KEY` of a zip, or a record of a legacy
/// file) holding `count` elements of `type`.
struct TorchStorage: Equatable {
  let key: String
  let typeName: String
  let element: ElementType?
  let count: Int
}

/// A tensor as a view of a storage: `shape` with `strides`, from element `offset`.
struct TorchTensor: Equatable {
  var storage: TorchStorage
  var offset: Int
  var shape: [Int]
  var strides: [Int]
}

/// Reads a pickle without running anything in it: a stack machine over the opcodes of protocols 0 to 5
/// that builds `PickleValue`s only. Globals are checked against `PickleGlobal.allowed` the moment they are
/// named; REDUCE, NEWOBJ and BUILD act only on those (an OrderedDict is made, a tensor view is recorded);
/// persistent ids become storages. Every count and length read from the pickle is checked against the
/// bytes left and the limits before anything is allocated from it.
struct Unpickler {
  struct Failure: Error { let reason: String }

  private let bytes: [UInt8]
  private var index: Int
  private var stack: [PickleValue] = []
  private var marks: [Int] = []
  private var memo: [Int: PickleValue] = [:]
  private var made = 0
  private var lists: [[PickleValue]] = []
  private var dicts: [[(key: PickleValue, value: PickleValue)]] = []
  /// Every storage a persistent id named, by key.
  private var storages: [String: TorchStorage] = [:]

  /// Unpickles one pickle starting at `offset`; returns the value, where the pickle ended, and every
  /// storage it names.
  static func load(_ bytes: [UInt8], at offset: Int = 0) throws(Failure)
    -> (graph: PickleGraph, end: Int, storages: [String: TorchStorage]) {
    var machine = Unpickler(bytes: bytes, index: offset)
    let value = try machine.run()
    return (PickleGraph(root: value, lists: machine.lists, dicts: machine.dicts), machine.index, machine.storages)
  }

  private mutating func newList(_ items: [PickleValue]) -> PickleValue {
    lists.append(items)
    return .list(lists.count - 1)
  }

  private mutating func newDict() -> PickleValue {
    dicts.append([])
    return .dict(dicts.count - 1)
  }

  /// Sets `key` in dict `index`, replacing the value of an equal string key as Python does.
  private mutating func set(_ key: PickleValue, _ value: PickleValue, in index: Int) {
    if case .string(let name) = key,
      let i = dicts[index].firstIndex(where: { if case .string(name) = $0.key { return true } else { return false } }) {
      dicts[index][i].value = value
    } else {
      dicts[index].append((key, value))
    }
  }

  private init(bytes: [UInt8], index: Int) {
    self.bytes = bytes
    self.index = index
  }

  // MARK: - Reading the stream

  private mutating func byte() throws(Failure) -> UInt8 {
    guard index < bytes.count else { throw Failure(reason: "the pickle ends early (truncated file?)") }
    defer { index += 1 }
    return bytes[index]
  }

  private mutating func take(_ count: Int) throws(Failure) -> ArraySlice<UInt8> {
    guard count >= 0, count <= bytes.count - index else {
      throw Failure(reason: "the pickle claims \(count) bytes, more than the file holds")
    }
    defer { index += count }
    return bytes[index..<index + count]
  }

  private mutating func unsigned(_ size: Int) throws(Failure) -> Int {
    let part = try take(size)
    var value: UInt64 = 0
    for (i, b) in part.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
    guard value <= UInt64(Int.max) else { throw Failure(reason: "the pickle holds a length of \(value)") }
    return Int(value)
  }

  private mutating func line() throws(Failure) -> String {
    guard let end = bytes[index...].firstIndex(of: 0x0A) else { throw Failure(reason: "the pickle ends inside a line") }
    defer { index = end + 1 }
    return String(decoding: bytes[index..<end], as: UTF8.self)
  }

  private mutating func text(_ count: Int) throws(Failure) -> String {
    let part = try take(count)
    guard let text = String(validating: part, as: UTF8.self) else { throw Failure(reason: "the pickle holds text that is not UTF-8") }
    return text
  }

  // MARK: - The stack

  private mutating func push(_ value: PickleValue) throws(Failure) {
    made += 1
    if made > WeightsLimits.maximumPickleValues {
      throw Failure(reason: "the pickle holds more than \(WeightsLimits.maximumPickleValues) values, over the limit")
    }
    stack.append(value)
  }

  private mutating func pop() throws(Failure) -> PickleValue {
    guard let value = stack.popLast() else { throw Failure(reason: "the pickle is malformed (its stack runs empty)") }
    if let mark = marks.last, stack.count < mark { throw Failure(reason: "the pickle is malformed (a value taken from below a mark)") }
    return value
  }

  private mutating func top() throws(Failure) -> PickleValue {
    guard let value = stack.last else { throw Failure(reason: "the pickle is malformed (its stack is empty)") }
    return value
  }

  /// The values above the last mark, which is removed.
  private mutating func popMark() throws(Failure) -> [PickleValue] {
    guard let mark = marks.popLast() else { throw Failure(reason: "the pickle is malformed (no mark)") }
    let items = Array(stack[mark...])
    stack.removeSubrange(mark...)
    return items
  }

  private mutating func memoize(_ key: Int) throws(Failure) {
    guard memo.count < WeightsLimits.maximumPickleValues else { throw Failure(reason: "the pickle's memo is over the limit") }
    memo[key] = try top()
  }

  private func fromMemo(_ key: Int) throws(Failure) -> PickleValue {
    guard let value = memo[key] else { throw Failure(reason: "the pickle is malformed (memo entry \(key) is unset)") }
    return value
  }

  // MARK: - The machine

  private mutating func run() throws(Failure) -> PickleValue {
    while true {
      let opcode = try byte()
      switch opcode {
      case 0x80: _ = try byte()  // PROTO
      case 0x95: _ = try take(8)  // FRAME: a length only, the opcodes follow
      case 0x2E: return try pop()  // STOP
      case 0x28: marks.append(stack.count)  // MARK
      case 0x30: _ = try pop()  // POP
      case 0x31: _ = try popMark()  // POP_MARK
      case 0x32: try push(try top())  // DUP
      case 0x4E: try push(.none)
      case 0x88: try push(.bool(true))
      case 0x89: try push(.bool(false))
      case 0x4B: try push(.int(Int(try byte())))  // BININT1
      case 0x4D: try push(.int(try unsigned(2)))  // BININT2
      case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try unsigned(4)))))  // BININT (signed)
      case 0x8A: try push(try long(Int(try byte())))  // LONG1
      case 0x8B: try push(try long(try unsigned(4)))  // LONG4
      case 0x49: try push(try textInteger(try line()))  // INT
      case 0x4C: try push(try textInteger(try line()))  // LONG
      case 0x47: try push(.float(Double(bitPattern: UInt64(bigEndian: try take(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))))  // BINFLOAT
      case 0x46:  // FLOAT
        let spelled = try line()
        guard let value = Double(spelled) else { throw Failure(reason: "the pickle holds the number '\(spelled)'") }
        try push(.float(value))
      case 0x58: try push(.string(try text(try unsigned(4))))  // BINUNICODE
      case 0x8C: try push(.string(try text(Int(try byte()))))  // SHORT_BINUNICODE
      case 0x8D: try push(.string(try text(try unsigned(8))))  // BINUNICODE8
      case 0x56: try push(.string(try line()))  // UNICODE (protocol 0; escapes are rare in state dicts)
      case 0x54: try push(.bytes(Data(try take(try unsigned(4)))))  // BINSTRING
      case 0x55: try push(.bytes(Data(try take(Int(try byte())))))  // SHORT_BINSTRING
      case 0x42: try push(.bytes(Data(try take(try unsigned(4)))))  // BINBYTES
      case 0x43: try push(.bytes(Data(try take(Int(try byte())))))  // SHORT_BINBYTES
      case 0x8E, 0x96: try push(.bytes(Data(try take(try unsigned(8)))))  // BINBYTES8, BYTEARRAY8
      case 0x53: try push(.string(try line()))  // STRING (a quoted repr; kept as written)
      case 0x29: try push(.tuple([]))  // EMPTY_TUPLE
      case 0x85: try push(.tuple([try pop()]))  // TUPLE1
      case 0x86:  // TUPLE2
        let b = try pop()
        try push(.tuple([try pop(), b]))
      case 0x87:  // TUPLE3
        let c = try pop()
        let b = try pop()
        try push(.tuple([try pop(), b, c]))
      case 0x74: try push(.tuple(try popMark()))  // TUPLE
      case 0x5D: try push(newList([]))  // EMPTY_LIST
      case 0x6C: try push(newList(try popMark()))  // LIST
      case 0x61:  // APPEND
        let item = try pop()
        try append([item])
      case 0x65: try append(try popMark())  // APPENDS
      case 0x7D: try push(newDict())  // EMPTY_DICT
      case 0x64:  // DICT
        let items = try popMark()
        let dict = newDict()
        guard case .dict(let index) = dict else { break }
        try setItems(items, into: index)
        try push(dict)
      case 0x73:  // SETITEM
        let value = try pop()
        let key = try pop()
        guard case .dict(let index) = try top() else { throw Failure(reason: "the pickle is malformed (SETITEM on a non-dict)") }
        set(key, value, in: index)
      case 0x75:  // SETITEMS
        let items = try popMark()
        guard case .dict(let index) = try top() else { throw Failure(reason: "the pickle is malformed (SETITEMS on a non-dict)") }
        try setItems(items, into: index)
      case 0x8F: try push(.set([]))  // EMPTY_SET
      case 0x90:  // ADDITEMS
        let items = try popMark()
        guard case .set(let existing) = try pop() else { throw Failure(reason: "the pickle is malformed (ADDITEMS on a non-set)") }
        try push(.set(existing + items))
      case 0x91: try push(.set(try popMark()))  // FROZENSET
      case 0x71: try memoize(Int(try byte()))  // BINPUT
      case 0x72: try memoize(try unsigned(4))  // LONG_BINPUT
      case 0x70:  // PUT
        guard let key = Int(try line()) else { throw Failure(reason: "the pickle holds a bad memo index") }
        try memoize(key)
      case 0x94: try memoize(memo.count)  // MEMOIZE
      case 0x68: try push(try fromMemo(Int(try byte())))  // BINGET
      case 0x6A: try push(try fromMemo(try unsigned(4)))  // LONG_BINGET
      case 0x67:  // GET
        guard let key = Int(try line()) else { throw Failure(reason: "the pickle holds a bad memo index") }
        try push(try fromMemo(key))
      case 0x63:  // GLOBAL
        let module = try line()
        try push(.global(try allowed(module: module, name: try line())))
      case 0x93:  // STACK_GLOBAL
        guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
          throw Failure(reason: "the pickle is malformed (STACK_GLOBAL without names)")
        }
        try push(.global(try allowed(module: module, name: name)))
      case 0x51:  // BINPERSID
        let storage = try storage(from: try pop())
        storages[storage.key] = storage
        try push(.storage(storage))
      case 0x52:  // REDUCE
        let arguments = try pop()
        let callable = try pop()
        try push(try reduce(callable, arguments))
      case 0x81:  // NEWOBJ
        let arguments = try pop()
        let type = try pop()
        guard case .global(.orderedDict) = type, case .tuple = arguments else {
          throw Failure(reason: "the pickle creates an object featuremaps does not read")
        }
        try push(newDict())
      case 0x62:  // BUILD: the state of an OrderedDict (a state dict's _metadata) or a tensor is not needed
        let state = try pop()
        switch try top() {
        case .dict, .tensor: _ = state
        default: throw Failure(reason: "the pickle sets the state of an object featuremaps does not read")
        }
      case 0x50: throw Failure(reason: "the pickle uses a text persistent id, which featuremaps does not read")
      case 0x69, 0x6F, 0x92: throw Failure(reason: "the pickle creates an object featuremaps does not read")
      case 0x82, 0x83, 0x84: throw Failure(reason: "the pickle uses the extension registry, which featuremaps does not read")
      case 0x97, 0x98: throw Failure(reason: "the pickle refers to out-of-band buffers, which featuremaps does not read")
      default:
        throw Failure(reason: String(format: "the pickle holds the unknown opcode 0x%02x at byte %d (damaged file?)", opcode, index - 1))
      }
    }
  }

  private mutating func long(_ count: Int) throws(Failure) -> PickleValue {
    let part = Array(try take(count))
    guard count <= 8 else { return .bigInt(part) }
    var value: UInt64 = 0
    for (i, b) in part.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
    if count > 0, count < 8, part[count - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(count)) }  // sign-extend
    return .int(Int(Int64(bitPattern: value)))
  }

  private func textInteger(_ spelled: String) throws(Failure) -> PickleValue {
    switch spelled {
    case "01": return .bool(true)
    case "00": return .bool(false)
    default:
      let digits = spelled.hasSuffix("L") ? String(spelled.dropLast()) : spelled
      guard let value = Int(digits) else { throw Failure(reason: "the pickle holds the number '\(spelled)'") }
      return .int(value)
    }
  }

  private mutating func append(_ items: [PickleValue]) throws(Failure) {
    guard case .list(let index) = try top() else { throw Failure(reason: "the pickle is malformed (APPEND to a non-list)") }
    lists[index] += items
  }

  private mutating func setItems(_ items: [PickleValue], into index: Int) throws(Failure) {
    guard items.count % 2 == 0 else { throw Failure(reason: "the pickle is malformed (an odd number of dict items)") }
    for i in stride(from: 0, to: items.count, by: 2) { set(items[i], items[i + 1], in: index) }
  }

  // MARK: - Globals, persistent ids and calls

  private func allowed(module: String, name: String) throws(Failure) -> PickleGlobal {
    if let global = PickleGlobal.allowed(module: module, name: name) { return global }
    let wholeModel = module == "__main__" || module.hasPrefix("torch.nn.modules") || module.hasPrefix("torchvision")
      || module.contains(".models") || module.contains("model")
    if wholeModel {
      throw Failure(reason: "holds a whole pickled model ('\(module).\(name)'), not its weights; save them with "
        + "torch.save(model.state_dict(), PATH) and import that file")
    }
    throw Failure(reason: "the pickle names '\(module).\(name)', which is not part of a state dict: refused, nothing in the file was run")
  }

  /// A persistent id: ('storage', storage type, key, location, element count[, view metadata]).
  private func storage(from id: PickleValue) throws(Failure) -> TorchStorage {
    guard case .tuple(let parts) = id, parts.count >= 5, case .string("storage") = parts[0],
      case .global(.storageType(let typeName, let element)) = parts[1], case .string(let key) = parts[2],
      case .int(let count) = parts[4], count >= 0
    else { throw Failure(reason: "the pickle refers to something other than a tensor storage") }
    return TorchStorage(key: key, typeName: typeName, element: element, count: count)
  }

  private mutating func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws(Failure) -> PickleValue {
    guard case .global(let global) = callable, case .tuple(let args) = arguments else {
      throw Failure(reason: "the pickle calls something featuremaps does not read")
    }
    switch global {
    case .orderedDict:
      let dict = newDict()
      guard case .dict(let index) = dict else { return dict }
      if case .list(let pairs)? = args.first {
        for pair in lists[pairs] {
          switch pair {
          case .tuple(let kv) where kv.count == 2: set(kv[0], kv[1], in: index)
          case .list(let kv) where lists[kv].count == 2: set(lists[kv][0], lists[kv][1], in: index)
          default: throw Failure(reason: "the pickle builds an OrderedDict from something other than pairs")
          }
        }
      }
      return dict
    case .rebuildTensor, .rebuildTensorV2:
      guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
        case .tuple(let size) = args[2], case .tuple(let stride) = args[3]
      else { throw Failure(reason: "the pickle rebuilds a tensor from arguments featuremaps does not understand") }
      var shape: [Int] = []
      var strides: [Int] = []
      for item in size {
        guard case .int(let side) = item, side >= 0 else { throw Failure(reason: "the pickle gives a tensor an impossible size") }
        shape.append(side)
      }
      for item in stride {
        guard case .int(let step) = item, step >= 0 else { throw Failure(reason: "the pickle gives a tensor an impossible stride") }
        strides.append(step)
      }
      guard shape.count == strides.count, offset >= 0 else { throw Failure(reason: "the pickle gives a tensor a size and a stride that do not match") }
      return .tensor(TorchTensor(storage: storage, offset: offset, shape: shape, strides: strides))
    case .rebuildParameter, .rebuildParameterWithState:
      guard case .tensor(let tensor)? = args.first else { throw Failure(reason: "the pickle rebuilds a parameter without a tensor") }
      return .tensor(tensor)
    case .rebuildFromTypeV2:
      guard args.count >= 3, case .global(let type) = args[1], type == .tensorType || type == .parameterType,
        case .tuple = args[2]
      else { throw Failure(reason: "the pickle rebuilds a tensor of a type featuremaps does not read") }
      return try reduce(args[0], args[2])
    case .codecsEncode:
      guard case .string(let text)? = args.first else { throw Failure(reason: "the pickle encodes something other than text") }
      return .bytes(Data(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }))
    case .tensorType, .parameterType, .storageType:
      throw Failure(reason: "the pickle calls a type featuremaps does not create")
    }
  }
}
