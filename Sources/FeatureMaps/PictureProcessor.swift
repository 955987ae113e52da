import ConvEngine
import FilterBanks
import Foundation
import ImageCodecs

/// Why one picture could not be turned into maps. The batch goes on; the message is one line.
public struct PictureError: Error, CustomStringConvertible, Sendable {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}

/// What was written for one picture.
public struct PictureResult: Sendable {
  public var outputDirectory: String
  public var mapCount: Int
  public var width: Int
  public var height: Int
  /// A decoder warning worth passing on (the picture was still processed).
  public var warning: String?
}

/// Decodes one picture, applies the bank and writes its maps and manifest into one folder.
public struct PictureProcessor: Sendable {
  public let bank: LoadedBank
  public let options: RunOptions
  let engine: Engine

  public init(bank: LoadedBank, options: RunOptions) {
    self.bank = bank
    self.options = options
    engine = Engine(threads: options.threads)
  }

  /// Processes the picture at `path` into `outputDirectory`, replacing an earlier result there.
  /// `displayPath` is the path as the user gave it, for the manifest and messages.
  public func process(path: String, displayPath: String, outputDirectory: String) throws(PictureError) -> PictureResult {
    let picture: Picture
    do throws(CodecError) {
      picture = try options.decoder.decode(path: path)
    } catch {
      throw PictureError(path: displayPath, reason: error.reason)
    }
    let input = InputPreparation.tensor(from: picture, input: bank.bank.input)
    let outputs: [Tensor]
    do throws(ShapeError) {
      outputs = try engine.run(bank.bank.network, on: input)
    } catch {
      throw PictureError(path: displayPath, reason: "the bank \(bank.bank.name) does not fit this \(picture.width)x\(picture.height) picture: \(error)")
    }
    let layerIndices = options.allLayers ? Array(outputs.indices) : [outputs.count - 1]
    let interiors = CleanRegion.propagate(through: bank.bank.network, height: picture.height, width: picture.width)

    do throws(CodecError) {
      try prepareDirectory(outputDirectory)
      var entries: [MapEntry] = []
      var writtenFiles: [String] = []
      for layerIndex in layerIndices {
        let folder = options.allLayers ? "layer\(layerIndex + 1)/" : ""
        if !folder.isEmpty { try makeDirectory(outputDirectory + "/" + folder) }
        let written = try MapSetWriter(
          tensor: outputs[layerIndex], names: bank.bank.layers[layerIndex].outputNames, layerNumber: layerIndex + 1,
          interior: interiors[layerIndex], options: options, bankName: bank.bank.name,
          firstIndex: entries.count, folder: folder
        ).write(into: outputDirectory)
        entries += written
        writtenFiles += written.map(\.file)
      }
      removeStaleFiles(in: outputDirectory, keeping: Set(writtenFiles))
      let manifest = Manifest(picture: picture, displayPath: displayPath, bank: bank, options: options, maps: entries)
      try AtomicFile.write(Array(manifest.json().serialized().utf8) + [0x0A], to: outputDirectory + "/" + Manifest.fileName)
      return PictureResult(outputDirectory: outputDirectory, mapCount: entries.count, width: picture.width,
                           height: picture.height, warning: picture.warning)
    } catch {
      throw PictureError(path: displayPath, reason: error.reason)
    }
  }

  // MARK: - The output folder

  private func makeDirectory(_ path: String) throws(CodecError) {
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw .io(path: path, reason: "cannot create the output folder")
    }
  }

  /// Creates the folder and removes an earlier manifest first, so that the folder never claims to be
  /// complete while its maps are being replaced.
  private func prepareDirectory(_ path: String) throws(CodecError) {
    try makeDirectory(path)
    let manifest = path + "/" + Manifest.fileName
    if FileManager.default.fileExists(atPath: manifest), unlink(manifest) != 0 {
      throw .io(path: manifest, reason: "cannot replace the earlier manifest")
    }
  }

  /// Maps of an earlier run that this run did not write (a different bank or format).
  private func removeStaleFiles(in directory: String, keeping: Set<String>) {
    guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return }
    for case let relative as String in enumerator {
      let isMap = relative.hasSuffix(".png") || relative.hasSuffix(".npy")
      if isMap && !keeping.contains(relative) { unlink(directory + "/" + relative) }
    }
  }
}

/// The output pixels of each layer that no padding reached, through all the layers before it.
enum CleanRegion {
  static func propagate(through layers: [Layer], height: Int, width: Int) -> [(rows: Range<Int>, columns: Range<Int>)] {
    var rows = 0..<height
    var columns = 0..<width
    var (h, w) = (height, width)
    var result: [(rows: Range<Int>, columns: Range<Int>)] = []
    for layer in layers {
      let kernel: Pair, stride: Pair, dilation: Pair, padding: Padding
      switch layer {
      case .conv(let conv):
        kernel = conv.kernel
        stride = conv.stride
        dilation = conv.dilation
        padding = conv.padding.resolve(height: h, width: w, kernel: kernel, stride: stride, dilation: dilation)
      case .pool(let pool):
        (kernel, stride, dilation, padding) = (pool.size, pool.stride, Pair(1), pool.padding)
      }
      let outH = max(0, (h + padding.top + padding.bottom - dilation.y * (kernel.y - 1) - 1) / stride.y + 1)
      let outW = max(0, (w + padding.left + padding.right - dilation.x * (kernel.x - 1) - 1) / stride.x + 1)
      rows = clean(rows, before: padding.top, output: outH, kernel: kernel.y, stride: stride.y, dilation: dilation.y)
      columns = clean(columns, before: padding.left, output: outW, kernel: kernel.x, stride: stride.x, dilation: dilation.x)
      (h, w) = (outH, outW)
      result.append((rows, columns))
    }
    return result
  }

  /// Outputs o whose inputs o * stride - before + dilation * k (k < kernel) all lie in `inside`.
  static func clean(_ inside: Range<Int>, before: Int, output: Int, kernel: Int, stride: Int, dilation: Int) -> Range<Int> {
    guard !inside.isEmpty else { return 0..<0 }
    let firstNeeded = inside.lowerBound + before  // o * stride >= this
    let lastAllowed = inside.upperBound - 1 - dilation * (kernel - 1) + before  // o * stride <= this
    let first = max(0, (firstNeeded + stride - 1) / stride)
    let end = lastAllowed < 0 ? 0 : min(output, lastAllowed / stride + 1)
    return first < end ? first..<end : 0..<0
  }
}
