// swift-tools-version:6.2
// gscope: a workbench for analysing LLM unlearning objectives. Linux is the platform (the code
// uses MADV_HUGEPAGE and /proc/self/exe); it links OpenBLAS, HDF5 and zlib through pkg-config.
// The layers, arrows pointing down only; each target below lists every module it imports.
// docs/architecture.md draws them and ArchitectureTests checks that picture against these lists:
//   gscope (CLI) → Experiments → Instrumentation → Unlearning → Model, Datasets → NumericCore → CBLAS
//   Experiments → Evaluation → Model, Datasets, CZlib;  Experiments → Store → CHDF5
//   gscope → Figures → Store;  Model, Datasets, Experiments → GGUF
//   gscope → Sweeps → Experiments, Figures
import PackageDescription

// The numeric kernels are written for 8-lane AVX2 vectors with FMA. Every x86 machine gscope
// targets has them (x86-64-v3); the baseline would split each vector in two and call libm.
#if arch(x86_64)
let kernelFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let kernelFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "gscope",
    products: [
        .executable(name: "gscope", targets: ["gscope"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libopenblas-dev, libhdf5-dev, zlib1g-dev).
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // BLAS wrappers, SIMD element-wise kernels, reductions, the seeded RNG.
        // Every other module's declarations are `package` (gscope is an executable, not a library);
        // NumericCore's stay `public`, because default cross-module optimisation inlines only
        // public functions into their callers: with `package` here a training step of the tiny
        // GPT took about 2 % longer (single thread, 4 runs of 30 steps each).
        .target(name: "NumericCore", dependencies: ["CBLAS"], swiftSettings: kernelFlags),
        // The CausalLanguageModel protocol; GPT and Llama (forward, backward, forward-mode,
        // greedy decoding); the parameter layout; checkpoints (safetensors) and Llama from GGUF.
        .target(name: "Model", dependencies: ["NumericCore", "GGUF"], swiftSettings: kernelFlags),
        // GGUF files (llama.cpp's model format): metadata, tensor table, dequantization to Float.
        .target(name: "GGUF", swiftSettings: kernelFlags),
        // Corpora, tokenizers (also from GGUF metadata), QA data sets, batching.
        .target(name: "Datasets", dependencies: ["NumericCore", "GGUF"]),
        // Optimisers, objectives, training and unlearning loops.
        .target(name: "Unlearning", dependencies: ["Model", "Datasets", "NumericCore"], swiftSettings: kernelFlags),
        // G-effects: risk sets, full-set gradients, per-tensor/term inner products, update effects.
        .target(
            name: "Instrumentation", dependencies: ["Unlearning", "Model", "Datasets", "NumericCore"],
            swiftSettings: kernelFlags),
        // Evaluation: the TOFU metric suite (teacher-forced scores, generations, ROUGE, truth ratio,
        // forget quality, model utility, memorisation, membership inference) and the Markov KL metrics.
        .target(name: "Evaluation", dependencies: ["Model", "Datasets", "NumericCore", "CZlib"]),
        // HDF5 files: groups, attributes, fixed and extendible datasets.
        .target(name: "Store", dependencies: ["CHDF5"]),
        // Experiment configurations (YAML files with overrides) and the runs they describe.
        .target(
            name: "Experiments",
            dependencies: [
                "Instrumentation", "Evaluation", "Unlearning", "Model", "Datasets", "Store", "NumericCore", "GGUF",
                .product(name: "Yams", package: "Yams"),
            ]),
        // gnuplot figures from run files: the figure specs, the .dat/.gp beside each PNG and PDF.
        .target(name: "Figures", dependencies: ["Store"]),
        // Sweeps: grids of runs from a sweep file, run here, on GNU parallel or a Slurm array, and
        // collected into one sweep.h5.
        .target(
            name: "Sweeps",
            dependencies: ["Experiments", "Figures", "Store", "NumericCore", "GGUF", .product(name: "Yams", package: "Yams")]),
        // The command line.
        .executableTarget(
            name: "gscope",
            dependencies: [
                "NumericCore", "GGUF", "Model", "Datasets", "Unlearning", "Instrumentation", "Evaluation", "Store", "Experiments",
                "Figures", "Sweeps",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Shared by the test targets: the naive Float64 reference GPT, finite differences, fixture paths.
        .target(name: "TestSupport", dependencies: ["Model", "Datasets", "NumericCore"], path: "Tests/TestSupport"),
        .testTarget(name: "NumericCoreTests", dependencies: ["NumericCore", "TestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "NumericCore", "Unlearning", "Datasets", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "NumericCore"]),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"]),
        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "UnlearningTests", dependencies: ["Unlearning", "Model", "Datasets", "NumericCore", "TestSupport"]),
        .testTarget(
            name: "InstrumentationTests",
            dependencies: ["Instrumentation", "Unlearning", "Model", "Datasets", "NumericCore", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Model", "Datasets", "NumericCore", "TestSupport"]),
        .testTarget(
            name: "FiguresTests",
            dependencies: ["Figures", "Experiments", "Model", "Datasets", "Store", "NumericCore", "TestSupport"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Experiments", "Unlearning", "Model", "Datasets", "Store", "NumericCore", "TestSupport"]),
        .testTarget(
            name: "SweepsTests",
            dependencies: ["Sweeps", "Experiments", "Figures", "Store", "NumericCore", "TestSupport"]),
        // The picture of the layers in docs/architecture.md against this file and every module's imports.
        .testTarget(name: "ArchitectureTests"),
        // The reader fuzzer: mutated inputs of every format, read by the release binary in child processes.
        .testTarget(name: "FuzzTests", dependencies: ["Store", "NumericCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
