/// The paths of a `--files-from` list: one per line (LF, CR LF or CR), empty lines skipped, the bytes read
/// as UTF-8 (invalid sequences replaced, so that any file gives some list).
public enum InputList {
  public static func paths(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
  }
}
