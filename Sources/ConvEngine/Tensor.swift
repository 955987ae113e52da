import Basics

/// A stack of planes, shape (C, H, W), Float32, row-major: value (c, y, x) is at `(c * H + y) * W + x`.
/// Layer 1's input is a picture's channels; every later layer's input is the previous layer's maps.
public struct Tensor: Sendable, Equatable {
  public var channels: Int
  public var height: Int
  public var width: Int
  public var values: [Float]

  public init(channels: Int, height: Int, width: Int, values: [Float]) {
    precondition(values.count == channels * height * width, "values do not fill (C, H, W)")
    self.channels = channels
    self.height = height
    self.width = width
    self.values = values
  }

  public init(channels: Int, height: Int, width: Int, repeating value: Float = 0) {
    self.init(channels: channels, height: height, width: width,
              values: LargeBuffers.floats(count: channels * height * width, repeating: value))
  }

  public var planeSize: Int { height * width }

  public subscript(c: Int, y: Int, x: Int) -> Float {
    get { values[(c * height + y) * width + x] }
    set { values[(c * height + y) * width + x] = newValue }
  }

  /// One channel's plane.
  public func plane(_ c: Int) -> ArraySlice<Float> { values[c * planeSize..<(c + 1) * planeSize] }
}
