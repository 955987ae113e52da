import Basics
import Foundation
import XCTest

@testable import ImageCodecs

/// Where the test pictures are: the copies in this target's Corpus/ and the read-only ../shared/ corpora.
enum Corpus {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")
  static let repository = folder.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let shared = repository.deletingLastPathComponent().appendingPathComponent("shared/corpora")

  static func path(_ relative: String) -> String { folder.appendingPathComponent(relative).path }

  /// The shared corpora folder, or a skip with a visible message when this checkout has none beside it.
  static func sharedFolder(_ relative: String) throws -> URL {
    let url = shared.appendingPathComponent(relative)
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw XCTSkip("SKIPPED: \(url.path) is absent (the read-only shared corpora are not beside this checkout)")
    }
    return url
  }

  /// One line of references.tsv: what an independent decoder made of a file.
  struct Reference {
    var file: String
    var width: Int
    var height: Int
    var channels: Int
    var bits: Int
    var fnv: String
  }

  static func references() throws -> [Reference] {
    let text = try String(contentsOf: folder.appendingPathComponent("references.tsv"), encoding: .utf8)
    return text.split(separator: "\n").map { line in
      let f = line.split(separator: "\t").map(String.init)
      return Reference(file: f[0], width: Int(f[1])!, height: Int(f[2])!, channels: Int(f[3])!, bits: Int(f[4])!, fnv: f[5])
    }
  }
}

extension Picture {
  /// The samples back as integers, interleaved as the file stores them (the inverse of the 0...1 scaling).
  func interleavedIntegers() -> [Int] {
    let plane = width * height
    let maxValue = Float(maximumSampleValue)
    var out = [Int](repeating: 0, count: samples.count)
    for p in 0..<plane {
      for c in 0..<channelCount { out[p * channelCount + c] = Int((samples[c * plane + p] * maxValue).rounded()) }
    }
    return out
  }

  /// FNV-1a-64 of the interleaved samples (16-bit as little-endian pairs), as make_references.py computes it.
  func fnv() -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func add(_ byte: UInt8) {
      h ^= UInt64(byte)
      h = h &* 0x100_0000_01b3
    }
    for v in interleavedIntegers() {
      if bitDepth == 16 {
        add(UInt8(v & 0xFF))
        add(UInt8(v >> 8))
      } else {
        add(UInt8(v))
      }
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

/// Captures what the process writes to standard error (file descriptor 2) while `body` runs.
func capturingStandardError(_ body: () throws -> Void) rethrows -> String {
  let file = FileManager.default.temporaryDirectory.appendingPathComponent("stderr-\(UUID().uuidString)").path
  _ = FileManager.default.createFile(atPath: file, contents: nil)
  let saved = dup(2)
  let handle = open(file, O_WRONLY)
  dup2(handle, 2)
  close(handle)
  defer {
    fflush(nil)  // every C stream, standard error included
    dup2(saved, 2)
    close(saved)
    unlink(file)
  }
  try body()
  fflush(nil)
  // Not String(contentsOfFile:): FoundationEssentials leaks a buffer reading an empty file.
  return String(decoding: (try? FileBytes.read(file)) ?? [], as: UTF8.self)
}

/// CRC-32 as PNG chunks use it, to build test headers.
func crc32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for byte in bytes {
    crc ^= UInt32(byte)
    for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}
