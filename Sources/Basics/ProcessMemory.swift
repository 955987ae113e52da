import CSystemShims

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Process-wide memory settings for a run that allocates and frees many large buffers.
public enum ProcessMemory {
  /// Keeps freed buffers of up to 32 MiB for reuse (glibc), instead of new pages for every map.
  public static func reuseLargeBuffers() { fm_reuse_large_buffers() }

  /// The most memory the process has held in RAM so far (its high-water mark, as the kernel counts it).
  public static var peakResidentBytes: Int {
    var usage = rusage()
    #if os(Linux)
      let who = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
      let who = RUSAGE_SELF
    #endif
    guard getrusage(who, &usage) == 0 else { return 0 }
    #if os(Linux)
      return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    #else
      return Int(usage.ru_maxrss)  // bytes on macOS
    #endif
  }
}
