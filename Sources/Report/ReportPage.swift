import Basics
import ConvEngine
import FilterBanks
import MapWriting
import Teaching

/// The HTML of the report's page: sections in the order a class goes through them, then the data and the
/// script that explains a clicked pixel. Every text from a file or a bank is escaped.
struct ReportPage {
  let pictureName: String
  let original: (width: Int, height: Int)
  let scaled: (width: Int, height: Int)
  let bank: LoadedBank
  let planes: [MapEntry]
  let summary: BankSummary
  let layers: [ReportLayer]
  let data: JSONValue
  let options: ReportOptions

  private func e(_ text: String) -> String { HTMLText.escape(text) }
  private func img(_ file: String, alt: String, attributes: String = "") -> String {
    "<img src=\"\(HTMLText.url(file))\" alt=\"\(e(alt))\"\(attributes.isEmpty ? "" : " " + attributes)>"
  }

  var html: String {
    let title = "\(pictureName) through \(bank.bank.name)"
    // A script element's text ends at the first "</": the JSON must not contain one.
    let json = data.compact.replacingOccurrences(of: "</", with: "<\\/")
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta name="generator" content="featuremaps">
      <title>\(e(title)): featuremaps report</title>
      <script>\(ReportScript.errorCapture)</script>
      <style>\(ReportStyle.css)</style>
      </head>
      <body>
      <header>
      <h1>\(e(title))</h1>
      <p>\(e(bank.bank.description))</p>
      <p class="command">\(e(options.command))</p>
      </header>
      <nav><a href="#picture">1. Picture</a> <a href="#summary">2. Layers</a> <a href="#kernels">3. Kernels</a> <a href="#maps">4. Maps</a> <a href="#decompositions">5. Where each map comes from</a></nav>
      <main>
      \(pictureSection)
      \(summarySection)
      \(kernelSection)
      \(mapSection)
      \(decompositionSection)
      </main>
      <aside id="explain" hidden>
      <button type="button" id="explain-close" aria-label="Close">&#x2715;</button>
      <div id="explain-body"></div>
      </aside>
      <pre id="test-result" hidden></pre>
      <script type="application/json" id="report-data">\(json)</script>
      <script>\(ReportScript.code)</script>
      </body>
      </html>

      """
  }

  var pictureSection: String {
    let input = bank.bank.input
    let scaling = scaled == original
      ? "at its own size, \(scaled.width)x\(scaled.height)"
      : "scaled from \(original.width)x\(original.height) to \(scaled.width)x\(scaled.height) by area averaging"
    let rows = input.channels.indices.map { c in
      "<tr><td>\(e(input.channels[c]))</td><td>\(TextTable.number(Double(input.mean[c])))</td><td>\(TextTable.number(Double(input.std[c])))</td></tr>"
    }.joined()
    let planeFigures = planes.map { p in
      "<figure>\(img("images/" + p.file, alt: "channel \(p.filter)", attributes: "class=\"plane\""))<figcaption>\(e(p.filter)), as the first layer reads it</figcaption></figure>"
    }.joined(separator: "\n")
    return """
      <section id="picture">
      <h2>1. The picture and the channels the bank reads</h2>
      <p>The picture, \(scaling), is <code>images/picture.png</code>. Every number on this page is computed from that file: \
      <code>featuremaps explain images/picture.png --bank \(e(bank.bank.name)) --at X,Y --filter F</code> prints the same numbers.</p>
      <div class="row">
      <figure>\(img("images/picture.png", alt: pictureName, attributes: "class=\"picture\""))<figcaption>\(e(pictureName))</figcaption></figure>
      \(planeFigures)
      </div>
      <p>The first layer reads \(input.channels.count) channel\(input.channels.count == 1 ? "" : "s"): each sample s (0 to 1) becomes \
      (\(TextTable.number(Double(input.range.lower))) + s &times; \(TextTable.number(Double(input.range.upper - input.range.lower))) &minus; mean) / std.</p>
      <table class="small"><thead><tr><th>channel</th><th>mean</th><th>std</th></tr></thead><tbody>\(rows)</tbody></table>
      </section>
      """
  }

  var summarySection: String {
    let header = ["layer", "kernel", "stride", "padding", "dilation", "groups", "activation", "output", "parameters", "multiply-adds", "receptive field"]
    let rows = summary.layers.map { l -> String in
      let cells = [
        "\(l.number) \(l.type)", "[" + l.kernel.map(String.init).joined(separator: ", ") + "]", "\(l.stride)", BankSummary.padding(l.padding), "\(l.dilation)", "\(l.groups)",
        l.activation, l.output.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "-",
      ].map { "<td>\(e($0))</td>" }.joined()
      return "<tr>\(cells)<td class=\"number\">\(NumberText.grouped(l.parameters))</td><td class=\"number\">\(l.multiplyAdds.map(NumberText.grouped) ?? "-")</td>"
        + "<td>\(e("\(l.receptiveField) (jump \(l.jump))"))</td></tr>"
    }.joined(separator: "\n")
    let total = summary.totalMultiplyAdds ?? 0
    return """
      <section id="summary">
      <h2>2. The bank, layer by layer</h2>
      <p>As <code>featuremaps summary \(e(bank.bank.name)) --input \(scaled.width)x\(scaled.height)</code> prints it. A conv layer's kernel is \
      [filters, input channels per filter, height, width]: every filter has its own kernel for each input channel. Parameters are counted \
      as Keras and PyTorch count them; multiply-adds are for this picture, weights only.</p>
      <div class="scroll"><table>
      <thead><tr>\(header.map { "<th>\($0)</th>" }.joined())</tr></thead>
      <tbody>
      \(rows)
      </tbody>
      <tfoot><tr><td colspan="8">total</td><td class="number" id="total-parameters" data-exact="\(summary.totalParameters)">\(NumberText.grouped(summary.totalParameters))</td>\
      <td class="number" id="total-multiply-adds" data-exact="\(total)">\(NumberText.grouped(total))</td><td></td></tr></tfoot>
      </table></div>
      </section>
      """
  }

  var kernelSection: String {
    let parts = layers.map { layer -> String in
      let conv = layer.run.conv
      let figures = layer.kernelPictures.map { k in
        "<figure class=\"wide\">\(img(k.file, alt: "kernels of layer \(layer.number)"))<figcaption>\(e(k.caption))</figcaption></figure>"
      }.joined(separator: "\n")
      return """
        <h3>Layer \(layer.number): \(NumberText.counted(conv.filterCount, "filter")), each \(conv.channelsPerGroup) kernel\(conv.channelsPerGroup == 1 ? "" : "s") of \(conv.kernel.y)x\(conv.kernel.x)</h3>
        \(figures)
        """
    }.joined(separator: "\n")
    return """
      <section id="kernels">
      <h2>3. The kernels</h2>
      <p>A filter is not one kernel but one per input channel. The same kernels slide over every position of the picture \
      (weight sharing): that is why a layer has so few parameters for so many outputs.</p>
      \(parts)
      </section>
      """
  }

  var mapSection: String {
    let parts = layers.map { layer -> String in
      let run = layer.run
      let conv = run.conv
      let combines: String
      if run.index == 0 {
        combines = "Each map sums \(conv.channelsPerGroup) channel\(conv.channelsPerGroup == 1 ? "" : "s") of the picture, each correlated with its own kernel, plus one bias."
      } else {
        let from = conv.groups == 1 ? "all \(conv.inputChannels) maps" : "\(conv.channelsPerGroup) of the \(conv.inputChannels) maps (groups of \(conv.channelsPerGroup))"
        combines = "Layer \(layer.number) sees the maps before it as its channels: each of its maps sums \(from) of the previous layer "
          + "(after its activation and any pooling), each correlated with its own kernel, plus one bias."
      }
      let tiles = layer.maps.enumerated().map { f, map -> String in
        let name = run.filterNames[f]
        let attributes = "class=\"map\" data-layer=\"\(layer.number)\" data-map=\"\(f)\" width=\"\(map.width)\" height=\"\(map.height)\""
        return "<figure class=\"tile\"><div class=\"frame\">\(img("images/" + map.file, alt: "map \(f) \(name)", attributes: attributes))</div>"
          + "<figcaption>\(f) \(e(name))\(Self.constantNote(map))</figcaption></figure>"
      }.joined(separator: "\n")
      return """
        <h3>Layer \(layer.number): \(NumberText.counted(conv.filterCount, "map")) of \(run.output.width)x\(run.output.height)</h3>
        <p>\(e(combines)) Each map's gray levels are its own (\(e(layer.maps.first?.mapping.modeName ?? "auto"))): mid gray is 0 for signed maps.</p>
        <div class="tiles">
        \(tiles)
        </div>
        """
    }.joined(separator: "\n")
    return """
      <section id="maps">
      <h2>4. The maps</h2>
      <p class="hint">Click any pixel of a map: the panel shows how it is computed, term by term, with the numbers featuremaps computes.</p>
      \(parts)
      </section>
      """
  }

  var decompositionSection: String {
    let parts = layers.enumerated().map { i, layer -> String in
      let conv = layer.run.conv
      let note = layer.channelsDrawn < conv.channelsPerGroup
        ? " Each figure draws the \(layer.channelsDrawn) of the \(conv.channelsPerGroup) input maps whose partial maps weigh most; the sum is over all \(conv.channelsPerGroup)."
        : ""
      let figures = layer.decompositions.enumerated().map { f, file in
        "<figure class=\"wide\">\(img(file, alt: "where map \(f) of layer \(layer.number) comes from", attributes: "loading=\"eager\""))</figure>"
      }.joined(separator: "\n")
      return """
        <details\(i == 0 ? " open" : "")>
        <summary>Layer \(layer.number): \(conv.filterCount == 1 ? "the map, one figure" : "the \(conv.filterCount) maps, one figure each")</summary>
        <p>Input planes, each correlated with its own kernel (the partial maps), the partial maps summed, the bias added, the activation: the map.\(note)</p>
        \(figures)
        </details>
        """
    }.joined(separator: "\n")
    return """
      <section id="decompositions">
      <h2>5. Where each map comes from</h2>
      \(parts)
      </section>
      """
  }

  /// " (constant 0)" for a map that is one value everywhere (a dead filter after ReLU): its tile is one
  /// solid gray that would look like a missing picture.
  static func constantNote(_ map: MapEntry) -> String {
    guard map.statistics.count > 0, map.statistics.minimum == map.statistics.maximum else { return "" }
    let v = map.statistics.minimum
    return " (constant \(v == 0 ? "0" : String(format: "%.3g", v)))"
  }
}
