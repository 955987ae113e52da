import Basics
import ConvEngine
import FilterBanks
import FlyingFox
import Foundation
import Importing
import Normalization
import Teaching

/// The routes of the live page: the page itself, then the JSON API its script calls.
extension LiveServer {
  func respond(to request: HTTPRequest) async throws(ServeError) -> HTTPResponse {
    switch (request.method.rawValue, request.path) {
    case ("GET", "/"): return Self.asset(Page.html, type: "text/html; charset=utf-8")
    case ("GET", "/app.js"): return Self.asset(Page.script, type: "text/javascript; charset=utf-8")
    case ("GET", "/app.css"): return Self.asset(Page.style, type: "text/css; charset=utf-8")
    case ("GET", "/api/state"): return Router.json(200, state)
    case ("GET", "/api/bank"): return Router.json(200, try builtInBank(request.query["name"] ?? ""))
    case ("POST", "/api/bank"): return Router.json(200, try checkedBank(try await body(request, limit: configuration.maximumBankBytes, what: "the bank")))
    case ("POST", "/api/picture"):
      let bytes = try await body(request, limit: configuration.maximumPictureBytes, what: "the picture")
      return Router.json(200, Self.describe(try workbench.addPicture(bytes, name: Self.fileName(request.query["name"]))))
    case ("POST", "/api/weights"):
      let bytes = try await body(request, limit: configuration.maximumWeightsBytes, what: "the weights file")
      return Router.json(200, try importedBank(bytes, query: request.query))
    case ("POST", "/api/maps"):
      let (mapsRequest, fields) = try await computeRequest(request)
      let workbench = self.workbench
      let layers = try await queue.run(client: Self.client(fields)) { (stop) throws(ServeError) in try workbench.maps(mapsRequest, stop: stop) }
      return Self.binary(layers, picture: try workbench.picture(mapsRequest.picture))
    case ("POST", "/api/explain"):
      let (mapsRequest, fields) = try await computeRequest(request)
      let (layer, filter, x, y) = (try Self.integer(fields, "layer"), try Self.integer(fields, "filter"), try Self.integer(fields, "x"), try Self.integer(fields, "y"))
      let workbench = self.workbench
      return Router.json(200, try await queue.run(client: Self.client(fields)) { (_) throws(ServeError) in
        try workbench.explain(mapsRequest, layer: layer, filter: filter, x: x, y: y)
      })
    case ("POST", "/api/figure"):
      let (mapsRequest, fields) = try await computeRequest(request)
      let (layer, filter) = (try Self.integer(fields, "layer"), try Self.integer(fields, "filter"))
      let pixel = fields["x"] == nil ? nil : (x: try Self.integer(fields, "x"), y: try Self.integer(fields, "y"))
      let workbench = self.workbench
      let png = try await queue.run(client: Self.client(fields)) { (_) throws(ServeError) in
        try workbench.figure(mapsRequest, layer: layer, filter: filter, pixel: pixel)
      }
      return HTTPResponse(statusCode: .ok, headers: [.contentType: "image/png", HTTPHeader("Cache-Control"): "no-store"], body: Data(png))
    case ("POST", "/api/summary"):
      let (mapsRequest, _) = try await computeRequest(request)
      let picture = try workbench.picture(mapsRequest.picture).picture
      do {
        return Router.json(200, .object([("text", .string(try BankSummary(mapsRequest.bank, input: (picture.width, picture.height)).text))]))
      } catch {
        throw ServeError(error.description)
      }
    default:
      throw ServeError("no such page: \(request.path)", status: 404)
    }
  }

  // MARK: - State and banks

  var state: Basics.JSONValue {
    .object([
      ("banks", .array(BankCatalog.builtInNames.map { .string($0) })),
      ("bank", initialBank.json()),
      ("pictures", .array(workbench.pictureList.map(Self.describe))),
      ("activations", .array(Activation.names.map { .string($0) })),
      ("limits", .object([
        ("picture_bytes", .number(Double(configuration.maximumPictureBytes))), ("bank_bytes", .number(Double(configuration.maximumBankBytes))),
        ("weights_bytes", .number(Double(configuration.maximumWeightsBytes))), ("largest_side", .number(Double(workbench.largestSide))),
      ])),
    ])
  }

  static func describe(_ p: ServedPicture) -> Basics.JSONValue {
    .object([
      ("id", .string(p.id)), ("name", .string(p.name)), ("width", .number(Double(p.picture.width))), ("height", .number(Double(p.picture.height))),
      ("original_width", .number(Double(p.originalWidth))), ("original_height", .number(Double(p.originalHeight))),
      ("warning", p.picture.warning.map { .string($0) } ?? .null),
    ])
  }

  func builtInBank(_ name: String) throws(ServeError) -> Basics.JSONValue {
    guard BankCatalog.builtInNames.contains(name) else { throw ServeError("no built-in bank '\(name)'", status: 404) }
    do {
      return try BankCatalog.load(name).bank.json()
    } catch {
      throw ServeError(error.description)
    }
  }

  /// A bank the page sends: parsed and checked as `--bank` would (a `from` is refused: the page cannot
  /// name files on this computer), given back as the canonical JSON.
  func checkedBank(_ bytes: [UInt8]) throws(ServeError) -> Basics.JSONValue {
    .object([("bank", try Self.bank(bytes).json())])
  }

  static func bank(_ bytes: [UInt8]) throws(ServeError) -> FilterBank {
    do {
      return try FilterBank.parse(bytes, file: "bank")
    } catch {
      if error.path.hasSuffix("from.file") {
        throw ServeError("bank: \(error.path): the page reads no file a bank names on this computer: upload the weights file itself, or run featuremaps import on the bank first")
      }
      throw ServeError(error.description)
    }
  }

  /// A weights file the page uploads, imported as `featuremaps import` would (a bank whose one layer is
  /// `from` it: `node` for ONNX, else `weight`, `bias`, `batchnorm`, `layout`), or its tensors listed
  /// (`list`). The bytes go to a private temporary folder under a fixed name, removed afterwards.
  func importedBank(_ bytes: [UInt8], query: [HTTPRequest.QueryItem]) throws(ServeError) -> Basics.JSONValue {
    let name = Self.fileName(query["name"])
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("featuremaps-serve-\(UUID().uuidString)").path
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    } catch {
      throw ServeError("no temporary folder: \(error)", status: 500)
    }
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // The extension tells ONNX files (protobuf has no signature); only known ones are kept.
    let suffix = [".onnx", ".npy", ".npz", ".safetensors", ".pth", ".pt", ".h5", ".bin"].first { name.lowercased().hasSuffix($0) } ?? ""
    let stored = "weights" + suffix
    let file = folder + "/" + stored
    guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else { throw ServeError("the upload could not be kept", status: 500) }
    var from: [(key: String, value: Basics.JSONValue)] = [("file", .string(stored))]
    for key in ["node", "weight", "bias", "batchnorm", "layout"] {
      if let value = query[key], !value.isEmpty { from.append((key, .string(value))) }
    }
    let template = Basics.JSONValue.object([
      ("format", .string(FilterBank.formatName)), ("name", .string(FilterBank.defaultName(name))),
      ("description", .string("Imported from \(name) on the live page.")),
      ("layers", .array([.object([("type", .string("conv")), ("from", .object(from))])])),
    ])
    do {
      let bank = try FilterBank.parse(Array(template.compact.utf8), file: name, folder: folder, weights: WeightsImporter())
      return .object([("bank", bank.json())])
    } catch {
      // Said as the page knows the file: its name, not the temporary copy's, nor the bank made around it.
      let reason = error.reason.replacingOccurrences(of: file, with: name).replacingOccurrences(of: stored, with: name)
      throw ServeError(reason.hasPrefix(name) ? reason : "\(name): \(reason)")
    }
  }

  // MARK: - Requests

  /// A computing request's body: `{"picture": ID, "bank": {...}, "normalize": "auto", "shift": [dx, dy], ...}`.
  func computeRequest(_ request: HTTPRequest) async throws(ServeError) -> (MapsRequest, Basics.JSONValue) {
    let bytes = try await body(request, limit: configuration.maximumBankBytes + 4096, what: "the request")
    let fields: Basics.JSONValue
    do {
      fields = try StrictJSONParser.parse(bytes)
    } catch {
      throw ServeError("the request is not JSON: \(error)")
    }
    guard case .string(let picture)? = fields["picture"] else { throw ServeError("the request names no picture") }
    guard let bankJSON = fields["bank"] else { throw ServeError("the request holds no bank") }
    let bank = try Self.bank(Array(bankJSON.compact.utf8))
    var normalize = NormalizeMode.auto
    if case .string(let text)? = fields["normalize"] {
      guard let mode = NormalizeMode(argument: text) else { throw ServeError("normalize: '\(text)' is not a mode (auto, symmetric, minmax, abs, range:LO,HI, percentile:P)") }
      normalize = mode
    }
    var shift = (dx: 0, dy: 0)
    if case .array(let values)? = fields["shift"], values.count == 2, case .number(let dx) = values[0], case .number(let dy) = values[1],
       abs(dx) <= 256, abs(dy) <= 256 {
      shift = (Int(dx), Int(dy))
    }
    return (MapsRequest(picture: picture, bank: bank, normalize: normalize, shift: shift), fields)
  }

  /// The page's id for this kind of request: a newer request with the same id stops the older one.
  static func client(_ fields: Basics.JSONValue) -> String? {
    if case .string(let id)? = fields["client"], id.count <= 100 { return id }
    return nil
  }

  static func integer(_ fields: Basics.JSONValue, _ key: String) throws(ServeError) -> Int {
    guard case .number(let value)? = fields[key], value == value.rounded(), abs(value) < 1e9 else { throw ServeError("the request needs a whole number '\(key)'") }
    return Int(value)
  }

  /// The request's body, refused before it is read when it is larger than `limit` or of unknown length.
  func body(_ request: HTTPRequest, limit: Int, what: String) async throws(ServeError) -> [UInt8] {
    guard let text = request.headers[.contentLength], let length = Int(text), length >= 0 else {
      throw ServeError("\(what): the request has no Content-Length", status: 411)
    }
    guard length <= limit else {
      throw ServeError("\(what) is \(NumberText.grouped(length)) bytes, over the limit of \(NumberText.grouped(limit)) bytes", status: 413)
    }
    do {
      return [UInt8](try await request.bodyData)
    } catch {
      throw ServeError("\(what) could not be read: \(error)")
    }
  }

  /// A file name from the page, for messages only: its last component, printable, at most 100 characters.
  static func fileName(_ text: String?) -> String {
    let last = (text ?? "").split(separator: "/").last.map(String.init) ?? ""
    let clean = String(last.unicodeScalars.filter { $0.value >= 32 && $0.value != 127 }.map(Character.init).prefix(100))
    return clean.isEmpty ? "upload" : clean
  }

  // MARK: - Responses

  static func asset(_ text: String, type: String) -> HTTPResponse {
    HTTPResponse(statusCode: .ok, headers: [
      .contentType: type, HTTPHeader("Cache-Control"): "no-store", HTTPHeader("X-Content-Type-Options"): "nosniff",
      HTTPHeader("Content-Security-Policy"): "default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'",
    ], body: Data(text.utf8))
  }

  /// The maps as the page draws them: a little-endian UInt32 with the length of a JSON header (each layer's
  /// size, names, statistics and gray mapping), the header, then every map's gray levels, layer after layer.
  static func binary(_ layers: [LayerMaps], picture: ServedPicture) -> HTTPResponse {
    let header = Basics.JSONValue.object([
      ("picture", describe(picture)),
      ("layers", .array(layers.map { layer in
        .object([
          ("number", .number(Double(layer.number))), ("type", .string(layer.type)), ("width", .number(Double(layer.width))),
          ("height", .number(Double(layer.height))), ("from_cache", .bool(layer.fromCache)), ("seconds", .number(layer.seconds)),
          ("maps", .array(zip(layer.names, layer.scaled).map { name, s in
            .object([
              ("name", .string(name)), ("minimum", .number(s.statistics.minimum)), ("maximum", .number(s.statistics.maximum)),
              ("offset", .number(s.mapping.offset)), ("gray_step", .number(s.mapping.scale)), ("mode", .string(s.mapping.modeName)),
              ("of_magnitude", .bool(s.mapping.ofMagnitude)),
            ])
          })),
        ])
      })),
    ])
    let text = Array(header.compact.utf8)
    var data = Data(capacity: 4 + text.count + layers.reduce(0) { $0 + $1.gray.count })
    withUnsafeBytes(of: UInt32(text.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: text)
    for layer in layers { data.append(contentsOf: layer.gray) }
    // Written in pieces of 1 MiB (the default, 4 KiB, costs a system call and a task switch for each).
    return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/octet-stream", HTTPHeader("Cache-Control"): "no-store"],
                        body: HTTPBodySequence(data: data, suggestedBufferSize: 1 << 20))
  }
}
