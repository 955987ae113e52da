import ConvEngine
import FilterBanks
import ImageCodecs

/// A picture decoded and turned into what a bank's first layer takes: the step that the batch, `explain`
/// and `report` all start with.
public struct PreparedPicture: Sendable {
  /// What was decoded (size, format, orientation, a decoder warning), without the samples.
  public var info: PictureInfo
  /// One plane per channel of the bank's `input.channels`, scaled as `input` says: (C, H, W).
  public var tensor: Tensor

  /// Decodes the picture at `path` and prepares it for `input`. The decoded samples are dropped as soon as
  /// the tensor exists.
  public static func load(path: String, for input: FilterBank.Input, decoder: PictureDecoder) throws(DecodeError) -> PreparedPicture {
    let picture = try decoder.decode(path: path)
    return PreparedPicture(info: PictureInfo(picture), tensor: InputTensor.make(from: picture, input: input))
  }
}
