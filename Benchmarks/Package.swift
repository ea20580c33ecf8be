// swift-tools-version:6.1
import PackageDescription

// Microbenchmarks for Apus (ordo-one's package-benchmark): allocations, wall clock and throughput
// of the request path's pieces. A separate package so that the server's own build and tests never
// fetch or build the benchmark tooling. Run from the repository root:
//
//   make bench-micro
//
// which runs every benchmark once, prints the table and then fails if an allocation count moved
// away from the static thresholds in Thresholds/ (see README.md in this directory).

let benchmarkTarget: (String) -> Target = { name in
    .executableTarget(
        name: name,
        dependencies: [
            "BenchSupport",
            .product(name: "ApusCore", package: "Apus"),
            .product(name: "Benchmark", package: "benchmark"),
        ],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "ApusBenchmarks",
    dependencies: [
        .package(name: "Apus", path: ".."),
        // ordo-one/package-benchmark, under the name it now has (the old URL works too, with a
        // warning on every run). Only the malloc interposer: the ARC-counting runtime interposer
        // is not needed for these metrics.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(name: "BenchSupport", dependencies: [.product(name: "ApusCore", package: "Apus")]),
        benchmarkTarget("RESPBenchmarks"),
        benchmarkTarget("StoreBenchmarks"),
        benchmarkTarget("ReactorBenchmarks"),
    ],
    swiftLanguageModes: [.v5]
)
