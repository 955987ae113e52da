import Basics
import ConvEngine
import FilterBanks
import Figures
import Foundation
import ImageCodecs
import InputPreparation
import MapWriting
import Normalization
import Pipeline
import Teaching

/// Why the live page's request could not be met: one line for the page and the log, and the HTTP status.
public struct ServeError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public var status: Int
  public init(_ message: String, status: Int = 400) {
    self.message = message
    self.status = status
  }
  public var description: String { message }
}

/// What the page asks to see: a picture (by id), a bank, how maps become gray, and where the picture is moved.
public struct MapsRequest: Sendable {
  public var picture: String
  public var bank: FilterBank
  public var normalize: NormalizeMode
  public var shift: (dx: Int, dy: Int)

  public init(picture: String, bank: FilterBank, normalize: NormalizeMode = .auto, shift: (dx: Int, dy: Int) = (0, 0)) {
    self.picture = picture
    self.bank = bank
    self.normalize = normalize
    self.shift = shift
  }
}

/// One layer's maps as the page draws them: the gray levels the main command writes, and how they were chosen.
public struct LayerMaps: Sendable {
  public var number: Int
  public var type: String
  public var names: [String]
  public var width: Int
  public var height: Int
  public var scaled: [MapScaling.Scaled]
  /// `names.count` planes of `height` rows of `width` gray levels, 0...255.
  public var gray: [UInt8]
  /// Whether the layer came from the cache (an edit of a later layer), not computed again.
  public var fromCache: Bool
  public var seconds: Double
}

/// The live page's computing: the pictures it was given, and every bank it is sent run through `BankRun`
/// (the one forward pass every command takes), with layer outputs cached so that an edit recomputes only
/// the layers it changes.
public final class Workbench: @unchecked Sendable {
  public let decoder: PictureDecoder
  /// Pictures larger than this on their longer side are scaled down to it.
  public let largestSide: Int
  public let threads: Int
  let cache: LayerCache
  private var pictures: [ServedPicture] = []
  private let lock = NSLock()
  /// At most this many pictures are kept (the oldest uploaded go first; those given on the command line stay).
  public static let maximumPictures = 32
  private var pinned: Set<String> = []

  /// Pictures are scaled down to this on their longer side unless told otherwise.
  public static let defaultLargestSide = 800

  public init(decoder: PictureDecoder = PictureDecoder(), largestSide: Int = defaultLargestSide, cacheBytes: Int = 256 << 20,
              threads: Int = ProcessorCount.active) {
    self.decoder = decoder
    self.largestSide = largestSide
    self.threads = threads
    cache = LayerCache(capacityBytes: cacheBytes)
  }

  // MARK: - Pictures

  /// Decodes and keeps a picture; `pinned` ones (given on the command line) are never let go.
  @discardableResult
  public func addPicture(_ bytes: [UInt8], name: String, pinned: Bool = false) throws(ServeError) -> ServedPicture {
    let served: ServedPicture
    do {
      served = try ServedPicture.decode(bytes, name: name, decoder: decoder, largestSide: largestSide)
    } catch {
      throw ServeError("\(name): \(error.reason)")
    }
    lock.withLock {
      pictures.removeAll { $0.id == served.id }
      pictures.append(served)
      if pinned { self.pinned.insert(served.id) }
      while pictures.count > Self.maximumPictures, let i = pictures.firstIndex(where: { !self.pinned.contains($0.id) }) {
        pictures.remove(at: i)
      }
    }
    return served
  }

  public var pictureList: [ServedPicture] { lock.withLock { pictures } }

  func picture(_ id: String) throws(ServeError) -> ServedPicture {
    guard let found = lock.withLock({ pictures.first { $0.id == id } }) else {
      throw ServeError("no picture \(id) on this server (it was let go, or the server restarted): choose it again", status: 404)
    }
    return found
  }

  // MARK: - Runs

  /// The run of `request`'s bank over its picture, with every layer computed (or adopted from the cache);
  /// per layer, whether it came from the cache and what computing it took.
  func run(_ request: MapsRequest, stop: StopFlag?) throws(ServeError) -> (BankRun, [Bool], [Double]) {
    let served = try picture(request.picture)
    let input = InputTensor.make(from: served.shifted(dx: request.shift.dx, dy: request.shift.dy), input: request.bank.input)
    var engine = Engine(threads: threads)
    engine.stop = stop
    let run: BankRun
    do {
      run = try BankRun(bank: request.bank, input: input, engine: engine)
    } catch {
      throw ServeError(error.description)
    }
    let inputKey = JSONValue.object([("picture", .string(served.id)), ("shift", .string("\(request.shift.dx),\(request.shift.dy)")),
                                     ("input", request.bank.json()["input"] ?? .null)]).compact
    let keys = LayerCache.keys(start: inputKey, layers: request.bank.layers.indices.map { request.bank.layerJSON($0).compact })
    var fromCache: [Bool] = []
    var seconds: [Double] = []
    for (i, key) in keys.enumerated() {
      if let kept = cache.tensor(key) {
        run.adopt(kept, asOutputOf: i)
        fromCache.append(true)
        seconds.append(0)
        continue
      }
      let start = DispatchTime.now().uptimeNanoseconds
      do {
        cache.keep(try run.output(ofLayer: i), as: key)
      } catch {
        if case .stopped = error { throw ServeError("stopped: a newer edit came", status: 409) }
        throw ServeError(error.description)
      }
      fromCache.append(false)
      seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return (run, fromCache, seconds)
  }

  /// The options the main command would use for `normalize` (its other options at their defaults).
  static func outputOptions(_ normalize: NormalizeMode) -> OutputOptions {
    var options = OutputOptions()
    options.normalize = normalize
    return options
  }

  /// Every layer's maps as gray levels, chosen as the main command chooses them.
  public func maps(_ request: MapsRequest, stop: StopFlag? = nil) throws(ServeError) -> [LayerMaps] {
    let (run, fromCache, seconds) = try run(request, stop: stop)
    let scaling = Self.outputOptions(request.normalize).scaling
    var layers: [LayerMaps] = []
    for i in 0..<run.layerCount {
      let output: Tensor
      do {
        output = try run.output(ofLayer: i)
      } catch {
        throw ServeError(error.description)
      }
      let plane = output.height * output.width
      var gray = [UInt8](repeating: 0, count: output.channels * plane)
      let scaled = output.values.withUnsafeBufferPointer { values in
        let scaled = scaling.choose(maps: values, count: output.channels, height: output.height, width: output.width,
                                    interior: run.interior(ofLayer: i), threads: threads)
        gray.withUnsafeMutableBufferPointer { out in
          for m in 0..<output.channels {
            scaled[m].mapping.quantize(values.baseAddress! + m * plane, count: plane, into: out.baseAddress! + m * plane)
          }
        }
        return scaled
      }
      let type: String
      switch request.bank.layers[i].layer {
      case .conv: type = "conv"
      case .pool(let pool): type = pool.kind == .max ? "maxpool" : "avgpool"
      }
      layers.append(LayerMaps(number: i + 1, type: type, names: request.bank.layers[i].outputNames, width: output.width, height: output.height,
                              scaled: scaled, gray: gray, fromCache: fromCache[i], seconds: seconds[i]))
    }
    return layers
  }

  /// One output pixel of conv layer `layer` (counting every layer from 1) explained as `explain --json`
  /// explains it, with the decomposition figure's PNG when `figure` is asked.
  public func explain(_ request: MapsRequest, layer: Int, filter: Int, x: Int, y: Int) throws(ServeError) -> JSONValue {
    let (run, _, _) = try run(request, stop: nil)
    do throws(TeachingError) {
      let layerRun = try LayerRun(run, layer: layer, scaling: Self.outputOptions(request.normalize).scaling, threads: threads)
      guard layerRun.filterNames.indices.contains(filter) else { throw TeachingError("layer \(layer) has no filter \(filter)") }
      return try layerRun.explain(filter: filter, x: x, y: y, scope: "per-map").json
    } catch {
      throw ServeError(error.description)
    }
  }

  /// The decomposition figure of filter `filter` of conv layer `layer` (the one `explain --figure` draws),
  /// as PNG bytes, with `pixel` marked when given.
  public func figure(_ request: MapsRequest, layer: Int, filter: Int, pixel: (x: Int, y: Int)?) throws(ServeError) -> [UInt8] {
    let (run, _, _) = try run(request, stop: nil)
    let options = Self.outputOptions(request.normalize)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("featuremaps-serve-\(UUID().uuidString).png").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    let layerRun: LayerRun
    var explained: ExplainedPixel?
    do throws(TeachingError) {
      layerRun = try LayerRun(run, layer: layer, scaling: options.scaling, threads: threads)
      guard layerRun.filterNames.indices.contains(filter) else { throw TeachingError("layer \(layer) has no filter \(filter)") }
      if let pixel { explained = try layerRun.explain(filter: filter, x: pixel.x, y: pixel.y, scope: "per-map") }
    } catch {
      throw ServeError(error.description)
    }
    do {
      _ = try Decomposition.write(layerRun, filter: filter, pixel: explained, options: options, tileSize: 96, maximumChannels: 6, to: file)
      return try FileBytes.read(file)
    } catch {
      throw ServeError("the figure could not be drawn: \(error)", status: 500)
    }
  }
}
