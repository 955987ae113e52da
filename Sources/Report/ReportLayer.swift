import Basics
import ConvEngine
import Figures
import FilterBanks
import MapWriting
import Pipeline
import Teaching

/// One conv layer of the report: its run (input, output, mappings), and the images written for it in
/// `images/layerN/`: its maps, its kernel pictures, and the decomposition of each of its maps.
struct ReportLayer {
  let run: LayerRun
  /// Each map's entry; `file` is relative to `images/`.
  let maps: [MapEntry]
  /// Kernel pictures (relative to the page), with what each shows.
  let kernelPictures: [(file: String, caption: String)]
  /// One decomposition figure per filter (relative to the page).
  let decompositions: [String]
  /// How many input channels each decomposition figure draws (all, or the heaviest few).
  let channelsDrawn: Int

  var number: Int { run.number }
  var images: [String] { maps.map { "images/" + $0.file } + kernelPictures.map(\.file) + decompositions }

  /// Conv layer `index` of `run`, whose earlier layers the run computed once for the layers before.
  static func write(run bankRun: BankRun, index: Int, sink: any MapSink, folder: OutputFolder, options: ReportOptions,
                    outputOptions: OutputOptions) throws(ReportError) -> ReportLayer {
    let run: LayerRun
    do {
      run = try LayerRun(bankRun, layer: index + 1, scaling: outputOptions.scaling, threads: outputOptions.threads)
    } catch {
      throw ReportError(error.message, isUsage: true)
    }
    let (bank, number) = (bankRun.bank, run.number)
    let conv = run.conv
    let subfolder = "layer\(number)/"
    do throws(OutputError) {
      try folder.makeSubfolder("images/" + subfolder + "decomposition")
      var writer = MapSetWriter(
        source: .tensor(run.output), names: run.filterNames, layerNumber: number,
        interior: bankRun.interior(ofLayer: index), options: outputOptions, firstIndex: 0, subfolder: subfolder)
      let maps = try writer.write(to: [sink]).entries

      let shape = "\(conv.filterCount) filters of \(conv.kernel.y)x\(conv.kernel.x)x\(conv.channelsPerGroup)"
      var kernelPictures: [(String, String)] = []
      if index == 0, conv.groups == 1, let order = KernelPicture.rgbOrder(run.inputNames) {
        let file = "images/\(subfolder)kernels-rgb.png"
        try KernelPicture.rgb(conv, filters: run.filterNames, order: order, title: "\(bank.name), layer \(number): \(shape), as colours",
                              to: folder.path(of: file))
        kernelPictures.append((file, "Each filter as one colour picture: its kernels for R, G and B are the red, green and blue of each square (mid gray is 0)."))
      }
      let file = "images/\(subfolder)kernels.png"
      _ = try KernelPicture.diverging(conv, filters: run.filterNames, channels: run.inputNames, title: "\(bank.name), layer \(number): \(shape)",
                                      maximumPixels: options.maximumKernelPicturePixels, to: folder.path(of: file))
      kernelPictures.append((file, "Each filter a row, each input channel a column: one kernel per input channel, blue negative, red positive, white 0."))

      var decompositions: [String] = []
      for f in 0..<conv.filterCount {
        let file = "images/\(subfolder)decomposition/\(maps[f].file.split(separator: "/").last!)"
        _ = try Decomposition.write(run, filter: f, pixel: nil, options: outputOptions, tileSize: options.figureTileSize,
                                    maximumChannels: options.figureChannels, colors: options.colors, to: folder.path(of: file))
        decompositions.append(file)
      }
      return ReportLayer(run: run, maps: maps, kernelPictures: kernelPictures, decompositions: decompositions,
                         channelsDrawn: min(conv.channelsPerGroup, options.figureChannels))
    } catch {
      throw ReportError(error.description)
    }
  }
}
