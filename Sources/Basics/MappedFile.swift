import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A file's bytes mapped into memory (read-only, private), so that only the parts read are paged in: how
/// weights files are read, often hundreds of megabytes of which a few tensors are wanted. (Not
/// `Data(contentsOf:options: .alwaysMapped)`: on Linux it leaked a buffer per small file, found by fuzzing.)
public enum MappedFile {
  public enum Failure: Error {
    case missing
    case folder
    case unreadable
  }

  public static func data(_ path: String) throws(Failure) -> Data {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw errno == ENOENT ? .missing : .unreadable }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw .unreadable }
    if (status.st_mode & S_IFMT) == S_IFDIR { throw .folder }
    let size = Int(status.st_size)
    guard size > 0 else { return Data() }
    guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else { throw .unreadable }
    return Data(bytesNoCopy: address, count: size, deallocator: .custom { pointer, count in munmap(pointer, count) })
  }
}
