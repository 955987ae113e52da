import Foundation
import XCTest

/// What a run of the binary did.
public struct RunResult {
  public var status: Int32
  public var stdout: String
  public var stderr: String
}

/// Runs the built binary with `arguments` in `directory`, standard input from `input`.
@discardableResult
public func runFeaturemaps(_ arguments: [String], in directory: URL? = nil, input: String? = nil) throws -> RunResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: Project.binary)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = directory }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  let stdin = Pipe()
  process.standardInput = stdin
  try process.run()
  if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
  try stdin.fileHandleForWriting.close()
  let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
  let stderrData = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return RunResult(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                   stderr: String(decoding: stderrData, as: UTF8.self))
}

/// Reads a NumPy .npy file of little-endian Float32 with shape (height, width).
public func readNPY(_ path: String) throws -> (height: Int, width: Int, values: [Float]) {
  let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
  let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
  let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
  XCTAssertTrue(header.contains("'descr': '<f4'"), header)
  XCTAssertEqual((10 + headerLength) % 64, 0)
  let shape = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
    .split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
  let data = bytes[(10 + headerLength)...]
  let values = stride(from: data.startIndex, to: data.endIndex, by: 4).map { i in
    Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
  }
  return (shape[0], shape[1], values)
}
