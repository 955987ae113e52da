import CLibCairo

/// Cairo and fontconfig keep caches (fonts, patterns, configuration) for the life of the process. Freed
/// before a normal exit, so that LeakSanitizer sees no leak in the binary; never while drawing may go on
/// (a signal's exit skips it).
public enum DrawingCaches {
  public static func release() {
    cairo_debug_reset_static_data()
    FcFini()
  }
}
