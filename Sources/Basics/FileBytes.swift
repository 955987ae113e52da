#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A whole file read into memory with POSIX calls, failing with the system's reason. Every file is read
/// this way: Foundation's FileManager way of reading a whole file leaks a buffer for an empty file on Linux
/// (found by AddressSanitizer on the crash-test corpus).
public enum FileBytes {
  public enum Failure: Error, Equatable {
    case missing
    case folder
    /// The system's words: "permission denied".
    case unreadable(String)
  }

  public static func read(_ path: String) throws(Failure) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw errno == ENOENT ? .missing : .unreadable(OutputError.systemReason()) }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw .unreadable(OutputError.systemReason()) }
    if (status.st_mode & S_IFMT) == S_IFDIR { throw .folder }
    // The size is a hint: a file may grow or shrink while read, and a pipe has none.
    var bytes: [UInt8] = []
    bytes.reserveCapacity(max(0, Int(status.st_size)))
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc_read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw .unreadable(OutputError.systemReason())
      }
      if count == 0 { return bytes }
      bytes += chunk[0..<count]
    }
  }
}

@inline(__always) private func Glibc_read(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
  read(descriptor, buffer, count)
}
