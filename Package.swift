// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: featuremaps (the command) -> FeatureMaps (the pipeline)
// -> {ImageCodecs, FilterBanks -> ConvEngine}. C is reached only through CImageShims (libjpeg, libpng)
// and CConvKernels (SIMD inner loops of the engine).
let package = Package(
  name: "featuremaps",
  products: [
    .executable(name: "featuremaps", targets: ["featuremaps"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(
      name: "CLibJPEG", pkgConfig: "libjpeg",
      providers: [.apt(["libjpeg-dev"])]),
    .systemLibrary(
      name: "CLibPNG", pkgConfig: "libpng",
      providers: [.apt(["libpng-dev"])]),
    .systemLibrary(
      name: "CLibDeflate", pkgConfig: "libdeflate",
      providers: [.apt(["libdeflate-dev"])]),
    .target(
      name: "CImageShims", dependencies: ["CLibJPEG", "CLibPNG", "CLibDeflate"],
      cSettings: [.unsafeFlags(["-O2"])]),
    .target(name: "ImageCodecs", dependencies: ["CImageShims"]),
    .target(name: "CConvKernels", cSettings: [.unsafeFlags(["-O3"])]),
    .target(name: "ConvEngine", dependencies: ["CConvKernels"]),
    .target(name: "FilterBanks", dependencies: ["ConvEngine"]),
    .target(name: "FeatureMaps", dependencies: ["ImageCodecs", "FilterBanks", "ConvEngine"]),
    .executableTarget(
      name: "featuremaps",
      dependencies: ["FeatureMaps", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs"], exclude: ["Corpus"]),
    .testTarget(name: "ConvEngineTests", dependencies: ["ConvEngine"]),
    .testTarget(name: "FilterBanksTests", dependencies: ["FilterBanks", "ConvEngine"]),
    .testTarget(name: "FeatureMapsTests", dependencies: ["FeatureMaps", "featuremaps"]),
  ],
  swiftLanguageModes: [.v5]
)
