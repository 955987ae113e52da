// swift-tools-version:6.0
import PackageDescription

// The modules follow the data path, and dependencies point one way (down this list):
//
//   featuremaps        the command: parses options, calls Batch, Teaching, Figures, Report and Serving
//   Serving            `featuremaps serve`: the live page and its HTTP server (FlyingFox)
//   Report             the HTML page for a class (`featuremaps report`)
//   Figures            montages, kernel pictures, decomposition figures (drawn with Cairo)
//   Teaching           explain one output pixel, summaries, the matrix view
//   Learning           a bank learned from pictures: patches, whitening, spherical k-means
//   Batch              pictures in, scheduled on the cores: planning, one picture end to end, progress, log
//   MapWriting         maps out: sinks (PNG 8/16, .npy, manifest) fed by the streaming last layer
//   Pipeline           one run of a bank over a picture (BankRun): the one forward pass every command takes
//   Normalization      statistics and value -> gray mappings (MapScaling: the one choice of them)
//   InputPreparation   a picture file -> the bank's input tensor
//   Importing          trained weights into banks: a layer's "from", ONNX chains, batch-norm folding
//   FilterBanks        the bank format, validation, the built-in banks (Filters/*.json, embedded by a plugin)
//   WeightsFiles       trained weights: NumPy, safetensors, PyTorch, ONNX, Keras (HDF5)
//   ConvEngine         convolution and pooling (fast paths and the reference)
//   ImageCodecs        JPEG/PNG decoding, grayscale PNG encoding
//   Basics             JSON, atomic files, SHA-256, large buffers, parallel loops
//
// All C is in the C* targets: CImageShims (libjpeg, libpng, libdeflate: every setjmp), CConvKernels (x86-64
// SIMD inner loops, compiled on x86-64 only), CSystemShims (libc calls Swift cannot reach), CHDF5Shims
// (libhdf5); Cairo is called through its module map (CLibCairo) from Figures/Canvas.swift alone.
let package = Package(
  name: "featuremaps",
  products: [
    .executable(name: "featuremaps", targets: ["featuremaps"]),
    // The modules as a library, for the fuzz targets in Fuzz/ (a package of their own).
    .library(
      name: "FeatureMapsModules",
      targets: ["Basics", "ImageCodecs", "ConvEngine", "WeightsFiles", "FilterBanks", "Importing", "InputPreparation",
                "Normalization", "Pipeline", "MapWriting", "Batch"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // A small HTTP server on Swift concurrency and BSD sockets, no other dependency (builds in seconds).
    .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
  ],
  targets: [
    // C libraries and shims.
    .systemLibrary(name: "CLibJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"]), .brew(["jpeg-turbo"])]),
    .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
    .systemLibrary(name: "CLibDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]),
    .target(name: "CImageShims", dependencies: ["CLibJPEG", "CLibPNG", "CLibDeflate"], cSettings: [.unsafeFlags(["-O2"])]),
    .target(name: "CConvKernels", cSettings: [.unsafeFlags(["-O3"])]),
    .target(name: "CSystemShims"),
    .systemLibrary(name: "CLibHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
    .systemLibrary(name: "CLibCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"]), .brew(["cairo"])]),
    .target(name: "CHDF5Shims", dependencies: ["CLibHDF5"]),

    // The stages, bottom up.
    .target(name: "Basics", dependencies: ["CSystemShims"], exclude: ["README.md"]),
    .target(name: "ImageCodecs", dependencies: ["Basics", "CImageShims", "CLibDeflate"], exclude: ["README.md"]),
    .target(name: "ConvEngine", dependencies: ["Basics", "CConvKernels"], exclude: ["README.md"]),
    .target(
      name: "WeightsFiles", dependencies: ["Basics", "CHDF5Shims", "CLibDeflate"],
      exclude: ["README.md"]),
    .target(name: "FilterBanks", dependencies: ["Basics", "ConvEngine"], exclude: ["README.md"], plugins: ["EmbedBanks"]),
    .target(name: "Importing", dependencies: ["Basics", "ConvEngine", "FilterBanks", "WeightsFiles"], exclude: ["README.md"]),
    .target(name: "InputPreparation", dependencies: ["Basics", "ImageCodecs", "FilterBanks", "ConvEngine"], exclude: ["README.md"]),
    .target(name: "Normalization", dependencies: ["Basics"], exclude: ["README.md"]),
    .target(name: "Pipeline", dependencies: ["Basics", "ConvEngine", "FilterBanks", "Normalization"], exclude: ["README.md"]),
    .target(
      name: "MapWriting", dependencies: ["Basics", "ImageCodecs", "FilterBanks", "ConvEngine", "Normalization", "Pipeline"],
      exclude: ["README.md"]),
    .target(
      name: "Teaching", dependencies: ["Basics", "ConvEngine", "FilterBanks", "Normalization", "Pipeline"],
      exclude: ["README.md"]),
    .target(
      name: "Figures",
      dependencies: ["Basics", "CLibCairo", "ConvEngine", "FilterBanks", "ImageCodecs", "Normalization", "Pipeline", "MapWriting", "Teaching"],
      exclude: ["README.md"]),
    .target(
      name: "Report",
      dependencies: ["Basics", "ConvEngine", "FilterBanks", "ImageCodecs", "InputPreparation", "Pipeline", "MapWriting", "Teaching", "Figures"],
      exclude: ["README.md"]),
    .target(
      name: "Serving",
      dependencies: [
        "Basics", "ConvEngine", "FilterBanks", "ImageCodecs", "Importing", "InputPreparation", "Normalization", "Pipeline", "Teaching",
        "Figures", .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox"),
      ],
      exclude: ["README.md"]),
    .target(
      name: "Learning",
      dependencies: ["Basics", "ConvEngine", "FilterBanks", "ImageCodecs", "InputPreparation", "WeightsFiles"],
      exclude: ["README.md"]),
    .target(
      name: "Batch",
      dependencies: ["Basics", "ImageCodecs", "FilterBanks", "ConvEngine", "InputPreparation", "Normalization", "Pipeline", "MapWriting"],
      exclude: ["README.md"]),
    .executableTarget(
      name: "featuremaps",
      dependencies: [
        "Basics", "ImageCodecs", "FilterBanks", "ConvEngine", "Normalization", "Pipeline", "MapWriting", "Batch", "WeightsFiles", "Importing",
        "Teaching",
        "InputPreparation", "Figures", "Report", "Learning", "Serving", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      exclude: ["README.md"]),

    // Filters/*.json become Swift string literals at build time: the binary needs no other file.
    .plugin(name: "EmbedBanks", capability: .buildTool(), exclude: ["embed-banks.sh"]),

    // Tests, by level: units per module, conformance (ImageCodecsTests), the built binary end to end (CommandTests).
    // TestSupport: helpers the test targets share (paths, temporary folders, running the binary, seeded numbers).
    .target(name: "TestSupport", dependencies: ["LeakSuppressions"], path: "Tests/TestSupport"),
    // The test process's LeakSanitizer suppressions, built in (`swift test --sanitize=address` needs no file).
    .target(name: "LeakSuppressions", path: "Tests/LeakSuppressions"),
    .testTarget(name: "BasicsTests", dependencies: ["Basics", "TestSupport"]),
    .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs", "Basics", "TestSupport", "CLibDeflate"], exclude: ["Corpus"]),
    .testTarget(name: "ConvEngineTests", dependencies: ["ConvEngine", "TestSupport"]),
    .testTarget(name: "FilterBanksTests", dependencies: ["FilterBanks", "Importing", "ConvEngine", "Pipeline", "Basics", "TestSupport"]),
    .testTarget(name: "WeightsFilesTests", dependencies: ["WeightsFiles", "TestSupport"], exclude: ["Files"]),
    .testTarget(
      name: "TeachingTests", dependencies: ["Teaching", "FilterBanks", "ConvEngine", "Normalization", "Pipeline", "MapWriting", "TestSupport"],
      exclude: ["Files"]),
    .testTarget(name: "NormalizationTests", dependencies: ["Normalization", "TestSupport"]),
    .testTarget(
      name: "FiguresTests",
      dependencies: ["Figures", "ConvEngine", "Normalization", "FilterBanks", "Teaching", "InputPreparation", "ImageCodecs", "MapWriting", "TestSupport"]),
    .testTarget(name: "ServingTests", dependencies: ["Serving", "FilterBanks", "TestSupport"]),
    .testTarget(name: "LearningTests", dependencies: ["Learning", "ConvEngine", "FilterBanks", "ImageCodecs", "Basics", "TestSupport"]),
    .testTarget(
      name: "PipelineTests",
      dependencies: [
        "Basics", "ImageCodecs", "FilterBanks", "ConvEngine", "InputPreparation", "Normalization", "Pipeline", "MapWriting", "Batch",
        "TestSupport",
      ],
      exclude: ["Regressions"]),
    .testTarget(
      name: "CommandTests",
      dependencies: [
        "featuremaps", "Basics", "ImageCodecs", "FilterBanks", "ConvEngine", "InputPreparation", "Pipeline", "MapWriting", "Teaching", "Figures",
        "TestSupport",
      ],
      exclude: ["Expected", "Regressions", "Trained", "Pictures", "Activations"]),
  ],
  swiftLanguageModes: [.v6]
)
