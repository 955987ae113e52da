/// The picture formats featuremaps reads, recognised by their first bytes, never by the file name.
public enum PictureFormat: String, Sendable, CaseIterable {
  case jpeg
  case png

  /// The format whose signature starts `bytes`, or nil when the bytes are not a picture we read.
  public static func sniff<Bytes: Collection>(_ bytes: Bytes) -> PictureFormat? where Bytes.Element == UInt8 {
    let head = Array(bytes.prefix(8))
    if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
    if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
    return nil
  }

  /// How many leading bytes `sniff` needs to see.
  public static let signatureLength = 8
}
