import ArgumentParser
import ImageCodecs

/// How pictures are decoded: the same options for every subcommand that reads pictures.
struct DecoderOptions: ParsableArguments {
  @Option(help: ArgumentHelp("Refuse pictures with more pixels than this (checked on the header, before decoding).", valueName: "n"))
  var maxPixels: Int = PictureDecoder.defaultMaximumPixels

  @Flag(help: "Keep the stored orientation instead of applying the JPEG's EXIF orientation.")
  var keepOrientation = false

  @Flag(help: "Decode JPEGs that end early (libjpeg fills the rest with gray) instead of refusing them.")
  var allowTruncated = false

  func validate() throws {
    if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1.") }
  }

  var decoder: PictureDecoder {
    PictureDecoder(maximumPixels: maxPixels, appliesOrientation: !keepOrientation, allowsTruncatedJPEG: allowTruncated)
  }
}
