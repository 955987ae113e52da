import CSystemShims

/// Process-wide memory settings for a run that allocates and frees many large buffers.
public enum ProcessMemory {
  /// Keeps freed buffers of up to 32 MiB for reuse (glibc), instead of new pages for every map.
  public static func reuseLargeBuffers() { fm_reuse_large_buffers() }
}
