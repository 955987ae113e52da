import Basics
import ConvEngine
import Figures
import FilterBanks
import Foundation
import ImageCodecs
import InputPreparation
import MapWriting
import Pipeline
import Teaching

/// A static HTML page for a class: a picture through a bank, with the bank's summary, its kernels, every
/// map of every conv layer (click a pixel to see how it is computed), and where each map comes from.
///
/// `DIR/index.html` holds the page, its style, its script and the numbers it explains with; `DIR/images/`
/// holds the pictures. Nothing is fetched: the page opens from the file system with no network. The
/// picture is first scaled to `ReportOptions.longestSide` and written as `images/picture.png`; every
/// number is computed from that file, so `featuremaps explain images/picture.png` prints the page's numbers.
public enum Report {
  public static let pageName = "index.html"

  /// What was written.
  public struct Written: Sendable {
    public var page: String
    public var images: Int
    public var pageBytes: Int
  }

  public static func write(picture path: String, bank loaded: LoadedBank, to folderPath: String,
                           options: ReportOptions) throws(ReportError) -> Written {
    let bank = loaded.bank
    func output<T>(_ body: () throws(OutputError) -> T) throws(ReportError) -> T {
      do { return try body() } catch { throw ReportError(error.description) }
    }
    let folder = try output { () throws(OutputError) in try OutputFolder.prepare(folderPath) }
    let imageFolder = try output { () throws(OutputError) in try OutputFolder.prepare(folder.path(of: "images")) }
    try output { () throws(OutputError) in try imageFolder.makeSubfolder("input") }
    var images: [String] = []

    // The picture, scaled, written, and read back: the page's numbers are those of that file.
    let decoded: Picture
    do {
      decoded = try options.decoder.decode(path: path)
    } catch {
      throw ReportError("\(path): \(error.reason)")
    }
    let picturePath = folder.path(of: "images/picture.png")
    _ = try output { () throws(OutputError) in try ScaledPicture.write(decoded, longestSide: options.longestSide, to: picturePath) }
    images.append("images/picture.png")
    let picture: PreparedPicture
    do {
      picture = try PreparedPicture.load(path: picturePath, for: bank.input, decoder: PictureDecoder(appliesOrientation: false))
    } catch {
      throw ReportError("\(picturePath): \(error.reason)")
    }
    let run = try run(bank, on: picture.tensor, options: options)

    var outputOptions = OutputOptions()
    outputOptions.threads = options.threads
    let context = PictureContext(displayPath: path, picture: picture.info, bank: loaded, options: outputOptions,
                                 folder: imageFolder)
    let pngSink = MapFormat.png.makeSink(context)

    // The input planes, mapped as maps are.
    var planeWriter = MapSetWriter(
      source: .tensor(picture.tensor), names: bank.input.channels, layerNumber: 0,
      interior: (0..<picture.tensor.height, 0..<picture.tensor.width), options: outputOptions, firstIndex: 0, subfolder: "input/")
    let planes = try output { () throws(OutputError) in try planeWriter.write(to: [pngSink]).entries }
    images += planes.map { "images/" + $0.file }

    var layers: [ReportLayer] = []
    let convs = bank.convLayerIndices
    for (n, index) in convs.enumerated() {
      options.progress?.show("report: conv layer \(n + 1) of \(convs.count) (layer \(index + 1)): its maps, kernels and decomposition figures")
      let layer = try ReportLayer.write(run: run, index: index, sink: pngSink, folder: folder, options: options,
                                        outputOptions: outputOptions)
      images += layer.images
      layers.append(layer)
    }

    let summary: BankSummary
    do {
      summary = try BankSummary(bank, input: (picture.tensor.width, picture.tensor.height))
    } catch {
      throw ReportError(error.message)
    }
    options.progress?.show("report: the page (its numbers compressed)")
    let page = ReportPage(
      pictureName: (path as NSString).lastPathComponent, original: (decoded.width, decoded.height),
      scaled: (picture.tensor.width, picture.tensor.height), bank: loaded, planes: planes, summary: summary, layers: layers,
      data: ReportData.json(bank: bank, layers: layers, run: run), options: options)
    let html = page.html
    let pagePath = folder.path(of: pageName)
    try output { () throws(OutputError) in try AtomicFile.write(Array(html.utf8), to: pagePath) }
    options.progress?.clear()
    return Written(page: pagePath, images: images.count, pageBytes: html.utf8.count)
  }

  /// The run of the bank over the picture, keeping every layer (the page draws them all), after checking
  /// that the values the page embeds stay within the limit.
  static func run(_ bank: FilterBank, on input: Tensor, options: ReportOptions) throws(ReportError) -> BankRun {
    let geometries: [LayerGeometry]
    do {
      geometries = try bank.geometries(width: input.width, height: input.height)
    } catch {
      throw ReportError(error.description, isUsage: true)
    }
    var channels = input.channels
    var sizes = [Checked.product(input.channels, input.height, input.width)]
    for (i, layer) in bank.network.enumerated() {
      if case .conv(let conv) = layer { channels = conv.filterCount }
      sizes.append(Checked.product(channels, geometries[i].outputHeight, geometries[i].outputWidth))
    }
    let embedded = ReportData.embeddedTensors(bank)
    var bytes: Int? = 0
    for t in embedded { bytes = bytes.flatMap { b in sizes[t].flatMap { Checked.product($0, 4) }.flatMap { Checked.sum(b, $0) } } }
    guard let total = bytes, total <= options.maximumDataBytes else {
      let megabytes = bytes.map { String($0 >> 20) } ?? "too many"
      throw ReportError(
        "the page would embed \(megabytes) MB of layer values for a \(input.width)x\(input.height) picture (at most \(options.maximumDataBytes >> 20) MB): give a smaller --size",
        isUsage: true)
    }
    do {
      return try BankRun(bank: bank, input: input, engine: Engine(threads: options.threads), retention: .everyLayer)
    } catch {
      throw ReportError(error.description, isUsage: true)
    }
  }
}
