import Dispatch

/// Loops whose iterations run on several threads.
public enum Parallel {
  /// Runs `body(i)` for every i in 0..<count, on several threads unless `threads` is 1. The caller
  /// promises what every user of this loop relies on: iterations touch disjoint data (each writes its own
  /// part of a buffer, or takes a lock), so `body` may run concurrently with itself although its type
  /// does not say so.
  public static func forEach(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    if threads <= 1 || count <= 1 {
      for i in 0..<count { body(i) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let shared = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
    }
  }
}

/// A value handed to other threads on the promise written where it is made.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// A buffer that threads may share because each writes a disjoint part of it.
public struct UnsafeMutableSendableBuffer<T>: @unchecked Sendable {
  public let buffer: UnsafeMutableBufferPointer<T>
  public init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}

/// A pointer that threads may share because each writes a disjoint part of what it points to.
public struct UnsafeMutableSendablePointer<T>: @unchecked Sendable {
  public let pointer: UnsafeMutablePointer<T>
  public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
