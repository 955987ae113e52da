import Basics
import Foundation
import FuzzSupport
import ImageCodecs

/// Any samples through the PNG writer's streamed levels (0 stores, 1 is the run-length deflate coder) and
/// back through libpng: the first bytes choose the width, the depth, the level and the filter, the rest are
/// the samples. A file that does not read back sample for sample stops the fuzzer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  guard count >= 4 else { return 0 }
  let width = 1 + (Int(data[0]) << 8 | Int(data[1])) % 4096
  let bitDepth = data[2] & 1 == 0 ? 8 : 16
  let compression = PNGCompression(level: Int(data[2] >> 1) & 1, filter: data[2] & 4 == 0 ? .up : .none)
  let body = UnsafeBufferPointer(start: data + 3, count: count - 3)
  let height = max(1, body.count / (width * bitDepth / 8))
  let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
  let path = "\(folder)/featuremaps-fuzz-\(getpid())-written.png"
  let samples = (0..<(width * height)).map { i -> Int in
    // Bytes past the input repeat it, so short inputs still make long runs.
    bitDepth == 8 ? Int(body[i % body.count]) : Int(body[(2 * i) % body.count]) << 8 | Int(body[(2 * i + 1) % body.count])
  }
  do {
    if bitDepth == 8 {
      try samples.map { UInt8($0) }.withUnsafeBufferPointer { (s) throws(OutputError) in
        try GrayPNG.write(s, width: width, height: height, to: path, compression: compression)
      }
    } else {
      try samples.map { UInt16($0) }.withUnsafeBufferPointer { (s) throws(OutputError) in
        try GrayPNG.write(s, width: width, height: height, to: path, compression: compression)
      }
    }
    let back = try PictureDecoder().decode(path: path)
    let top = Float(back.maximumSampleValue)
    guard back.width == width, back.height == height, back.channelCount == 1,
          zip(back.samples, samples).allSatisfy({ Int(($0 * top).rounded()) == $1 }) else {
      fatalError("a \(width)x\(height) \(bitDepth)-bit map at level \(compression.level) reads back other samples")
    }
  } catch {
    fatalError("a \(width)x\(height) \(bitDepth)-bit map at level \(compression.level): \(error)")
  }
  return 0
}
