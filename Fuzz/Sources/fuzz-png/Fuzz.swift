import FuzzSupport
import ImageCodecs

/// A PNG (or any bytes) through the whole decoding path: the header check, the C shim, EXIF orientation.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
  // A pixel limit that keeps each input fast: larger claims are refused from the header.
  _ = try? PictureDecoder(maximumPixels: 1_000_000).decode(FuzzInput.bytes(data, count), path: "fuzz")
  return 0
}
