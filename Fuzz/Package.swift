// swift-tools-version:6.0
import Foundation
import PackageDescription

// libFuzzer targets for every parser of featuremaps, built and run by scripts/fuzz.sh (which adds
// --sanitize=fuzzer --sanitize=address and the coverage flags). A package of its own, so that the main
// package's builds and tests never compile them.
let targets = ["jpeg", "png", "pngwrite", "bank", "npy", "safetensors", "pytorch", "onnx", "hdf5", "arguments", "bankrun", "onnxgraph", "statedict"]
// A path dependency is known by its folder's name, which is the clone's.
let featuremaps = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
  name: "featuremaps-fuzz",
  dependencies: [.package(path: "..")],
  targets: [
    .target(name: "FuzzSupport", dependencies: [.product(name: "FeatureMapsModules", package: featuremaps)]),
  ] + targets.map { name in
    .executableTarget(
      name: "fuzz-\(name)", dependencies: ["FuzzSupport", .product(name: "FeatureMapsModules", package: featuremaps)],
      path: "Sources/fuzz-\(name)",
      // The fuzzer provides main: the target's file only defines LLVMFuzzerTestOneInput.
      swiftSettings: [.unsafeFlags(["-parse-as-library"])])
  }
)
