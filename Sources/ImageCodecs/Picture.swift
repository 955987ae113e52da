/// A decoded picture as planar Float32 samples: one plane per channel, each `width * height` values in
/// row-major order, scaled to 0...1 (an 8-bit sample `s` becomes `s / 255`, a 16-bit one `s / 65535`).
/// Channels are `[gray]` or `[R, G, B]`; alpha has been dropped (not composited) and palettes expanded.
public struct Picture: Sendable {
  public var width: Int
  public var height: Int
  public var channelCount: Int
  /// `channelCount` planes back to back: sample (c, y, x) is at `c * width * height + y * width + x`.
  public var samples: [Float]
  public var format: PictureFormat
  /// The precision of the stored samples: 8 or 16.
  public var bitDepth: Int
  /// How the stored picture was turned to match what viewers show (1 = as stored).
  public var appliedOrientation: Int
  /// A non-fatal problem the decoder reported, e.g. extraneous bytes before a JPEG marker.
  public var warning: String?
  /// The warning is about a PNG chunk the samples do not depend on (an ICC profile libpng calls "known
  /// incorrect", a bad gAMA...): the maps are what they would be without it.
  public var warningIsHarmless = false

  public init(width: Int, height: Int, channelCount: Int, samples: [Float], format: PictureFormat,
              bitDepth: Int, appliedOrientation: Int = 1, warning: String? = nil) {
    precondition(samples.count == width * height * channelCount)
    self.width = width
    self.height = height
    self.channelCount = channelCount
    self.samples = samples
    self.format = format
    self.bitDepth = bitDepth
    self.appliedOrientation = appliedOrientation
    self.warning = warning
  }

  /// The largest stored sample value: 255 or 65535.
  public var maximumSampleValue: Int { (1 << bitDepth) - 1 }
}

/// What is known of a decoded picture once its samples are no longer needed: for manifests and reports.
public struct PictureInfo: Sendable, Equatable {
  public var width: Int
  public var height: Int
  public var channelCount: Int
  public var format: PictureFormat
  public var bitDepth: Int
  public var appliedOrientation: Int
  public var warning: String?
  public var warningIsHarmless: Bool

  public init(_ picture: Picture) {
    width = picture.width
    height = picture.height
    channelCount = picture.channelCount
    format = picture.format
    bitDepth = picture.bitDepth
    appliedOrientation = picture.appliedOrientation
    warning = picture.warning
    warningIsHarmless = picture.warningIsHarmless
  }
}
