import ArgumentParser
import Basics
import Figures
import Foundation
import ImageCodecs
import Normalization

/// `featuremaps montage DIR`: montage.png from a picture's output folder (its manifest and maps).
struct MontageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "montage",
    abstract: "Write montage.png for a picture's output folder: its maps in a labelled grid, in bank order.",
    discussion: """
      DIR is a folder the main command wrote (it holds manifest.json). PNG maps are shown with their own gray \
      levels (16-bit ones scaled to 8 bits); .npy maps with the auto normalization of their recorded statistics.

      Example:
        featuremaps montage maps/photo --nrow 8 --tile-size 128
      """)

  @Argument(help: ArgumentHelp("A picture's output folder.", valueName: "dir"))
  var folder: String

  @OptionGroup var layout: MontageLayoutOptions

  func run() throws {
    let manifestPath = folder + "/manifest.json"
    guard let data = FileManager.default.contents(atPath: manifestPath),
      let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let maps = manifest["maps"] as? [[String: Any]]
    else {
      throw CommandFailure("\(manifestPath): no manifest here (is \(folder) a picture's output folder?)", .usage)
    }
    var tiles: [MontageTile] = []
    for map in maps {
      guard let file = map["file"] as? String, let index = map["index"] as? Int, let name = map["filter"] as? String else { continue }
      let path = folder + "/" + file
      do {
        let (grays, width, height) = try Self.grays(path, map: map)
        tiles.append(MontageTile(index: index, name: name, grays: grays, width: width, height: height, layout: layout.layout))
      } catch {
        throw CommandFailure.input(path, "\(error)")
      }
    }
    try Montage.write(tiles, layout: layout.layout, to: folder + "/" + MontageSink.fileName)
  }

  struct Failure: Error, CustomStringConvertible { let description: String }

  /// A map's 8-bit gray levels from its file.
  static func grays(_ path: String, map: [String: Any]) throws -> ([UInt8], Int, Int) {
    if path.hasSuffix(".npy") {
      guard let data = FileManager.default.contents(atPath: path), let (height, width, values) = NPYValues.read([UInt8](data)) else {
        throw Failure(description: "cannot be read as a NumPy map")
      }
      let stats = MapStatistics(minimum: map["min"] as? Double ?? 0, maximum: map["max"] as? Double ?? 0, mean: 0, standardDeviation: 0, count: 1)
      let mapping = GrayMapping.choose(.auto, stats: stats, percentiles: nil, maximumGray: 255)
      return (values.withUnsafeBufferPointer { Montage.grays($0, mapping: mapping) }, width, height)
    }
    let picture: Picture
    do {
      picture = try PictureDecoder().decode(path: path)
    } catch {
      throw Failure(description: error.reason)
    }
    return (picture.samples.prefix(picture.width * picture.height).map { UInt8(($0 * 255).rounded()) }, picture.width, picture.height)
  }
}

/// A `.npy` map featuremaps wrote: little-endian Float32, (height, width).
enum NPYValues {
  static func read(_ bytes: [UInt8]) -> (Int, Int, [Float])? {
    guard bytes.count > 10, bytes.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) else { return nil }
    let length = Int(bytes[8]) | Int(bytes[9]) << 8
    guard 10 + length <= bytes.count else { return nil }
    let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
    guard header.contains("'<f4'"), let shapeText = header.components(separatedBy: "'shape': (").last?.components(separatedBy: ")").first else { return nil }
    let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard shape.count == 2, let count = Checked.product(shape[0], shape[1]), (bytes.count - 10 - length) / 4 >= count else { return nil }
    let values = (0..<count).map { i -> Float in
      let at = 10 + length + i * 4
      return Float(bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
    }
    return (shape[0], shape[1], values)
  }
}
