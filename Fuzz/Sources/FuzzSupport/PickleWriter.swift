/// Pickle protocol 2, enough to write a PyTorch state dict from a fuzz target: globals, strings, small
/// integers, tuples, an ordered dict, persistent ids (storages) and reduce calls.
public struct PickleWriter {
  public private(set) var bytes: [UInt8] = [0x80, 2]  // PROTO 2

  public init() {}

  public mutating func global(_ module: String, _ name: String) { bytes += [0x63] + Array("\(module)\n\(name)\n".utf8) }  // GLOBAL

  public mutating func string(_ s: String) {  // BINUNICODE
    let utf8 = Array(s.utf8)
    bytes.append(0x58)
    for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: utf8.count >> (8 * i))) }
    bytes += utf8
  }

  public mutating func int(_ v: Int) {  // BININT, 4 bytes signed
    bytes.append(0x4A)
    for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: Int32(truncatingIfNeeded: v) >> (8 * i))) }
  }

  public mutating func bool(_ v: Bool) { bytes.append(v ? 0x88 : 0x89) }
  public mutating func mark() { bytes.append(0x28) }
  public mutating func tuple() { bytes.append(0x74) }  // TUPLE: from the mark
  public mutating func emptyTuple() { bytes.append(0x29) }
  public mutating func reduce() { bytes.append(0x52) }
  public mutating func persistentID() { bytes.append(0x51) }  // BINPERSID
  public mutating func setItems() { bytes.append(0x75) }  // SETITEMS: from the mark
  public mutating func stop() { bytes.append(0x2E) }

  /// `collections.OrderedDict()`.
  public mutating func orderedDict() {
    global("collections", "OrderedDict")
    emptyTuple()
    reduce()
  }

  /// A tuple of ints.
  public mutating func ints(_ values: [Int]) {
    mark()
    for v in values { int(v) }
    tuple()
  }
}
