import Basics
import ConvEngine
import FilterBanks
import ImageCodecs

/// Turns a decoded picture into the tensor a bank's first layer expects.
public enum InputTensor {
  /// Luma from R, G, B with the ITU-R BT.601 weights (the ones JPEG's YCbCr uses).
  public static let lumaWeights: (r: Float, g: Float, b: Float) = (0.299, 0.587, 0.114)

  /// One plane per channel of `input.channels`: a gray picture feeds its plane to R, G and B alike; a
  /// colour picture given to a `Y` bank is turned into luma. Each sample s (0...1) becomes
  /// `(range.lower + s * (range.upper - range.lower) - mean[c]) / std[c]`.
  public static func make(from picture: Picture, input: FilterBank.Input) -> Tensor {
    let plane = picture.width * picture.height
    var values = LargeBuffers.floats(count: input.channels.count * plane, repeating: 0)
    let span = input.range.upper - input.range.lower
    picture.samples.withUnsafeBufferPointer { samples in
      values.withUnsafeMutableBufferPointer { out in
        for (c, name) in input.channels.enumerated() {
          let scale = span / input.std[c]
          let shift = (input.range.lower - input.mean[c]) / input.std[c]
          let target = out.baseAddress! + c * plane
          if name == "Y" && picture.channelCount == 3 {
            let (wr, wg, wb) = lumaWeights
            for p in 0..<plane {
              let luma = wr * samples[p] + wg * samples[plane + p] + wb * samples[2 * plane + p]
              target[p] = luma * scale + shift
            }
          } else {
            let index = picture.channelCount == 1 ? 0 : (["R": 0, "G": 1, "B": 2][name] ?? 0)
            let source = samples.baseAddress! + index * plane
            for p in 0..<plane { target[p] = source[p] * scale + shift }
          }
        }
      }
    }
    return Tensor(channels: input.channels.count, height: picture.height, width: picture.width, values: values)
  }
}
