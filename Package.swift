// swift-tools-version:6.1
import PackageDescription

// Release builds keep frame pointers and symbols so `perf record -g` can walk stacks.
let optimize: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization", "-Xcc", "-fno-omit-frame-pointer"]),
    // Exclusivity is proven by construction on the single event-loop thread; the runtime checks
    // cost a call per property access on the hot path. For the same reason retain and release
    // are non-atomic (-assume-single-threaded): a locked read-modify-write per reference count
    // change was ~8% of a script call's CPU. The one other thread (the AOF's fsync/close
    // worker, AOFBackgroundJobs) touches no Swift object.
    .unsafeFlags(["-g", "-enforce-exclusivity=unchecked", "-Xfrontend", "-assume-single-threaded"], .when(configuration: .release)),
]

let package = Package(
    name: "Apus",
    products: [
        .executable(name: "apus-server", targets: ["apus-server"]),
        // The lower layers, for the package-benchmark microbenchmarks in Benchmarks/.
        .library(name: "ApusCore", targets: ["Util", "RESP", "Store", "Reactor"]),
        // The parsers and decoders the libFuzzer targets in Fuzz/ drive.
        .library(name: "ApusFormats", targets: ["Util", "Config", "RESP", "Store", "Persistence"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        .systemLibrary(name: "CStrconv", path: "Sources/CStrconv"),
        .systemLibrary(name: "CMemory", path: "Sources/CMemory"),
        // The malloc family, counted (used_memory for maxmemory, as zmalloc's counter).
        .target(name: "CMallocCount"),
        // Debian's Lua 5.1 with cjson and bit (liblua5.1-0-dev, lua-cjson-dev, lua-bitop-dev).
        .systemLibrary(name: "CLua", path: "Sources/CLua", pkgConfig: "lua5.1",
                       providers: [.apt(["liblua5.1-0-dev", "lua-cjson-dev", "lua-bitop-dev"])]),
        // Debian's OpenSSL 3 (libssl-dev), for TLS connections.
        .systemLibrary(name: "CTLS", path: "Sources/CTLS", providers: [.apt(["libssl-dev"])]),
        .target(name: "Util", dependencies: ["CStrconv"], swiftSettings: optimize),
        .target(name: "Config", dependencies: ["Util"], swiftSettings: optimize),
        .target(name: "Reactor", dependencies: ["CEpoll"], swiftSettings: optimize),
        .target(name: "RESP", dependencies: ["Util"], swiftSettings: optimize),
        .target(name: "Store", dependencies: ["Util", "CMemory"], swiftSettings: optimize),
        // Redis's file formats over the keyspace: RDB (and DUMP payloads), CRC64, the digest.
        .target(name: "Persistence", dependencies: ["Util", "Store"], swiftSettings: optimize),
        // The Lua interpreter scripts run in, with the libraries Redis bundles.
        .target(name: "Lua", dependencies: ["CLua", "Util"], swiftSettings: optimize),
        .target(
            name: "Server",
            dependencies: [
                "CEpoll", "CMemory", "CLua", "CTLS", "CMallocCount", "Util", "Config", "Reactor", "RESP", "Store", "Persistence", "Lua",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: optimize),
        .executableTarget(name: "apus-server", dependencies: ["Server"], swiftSettings: optimize),
        // Helpers shared by the test targets (a seeded random generator).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "UtilTests", dependencies: ["Util", "TestSupport"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config"]),
        .testTarget(name: "RESPTests", dependencies: ["RESP", "TestSupport"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestSupport"]),
        .testTarget(name: "PersistenceTests", dependencies: ["Persistence", "Store", "TestSupport"]),
        .testTarget(name: "ReactorTests", dependencies: ["Reactor", "TestSupport"]),
        .testTarget(
            name: "ServerTests",
            dependencies: ["Server", "Config", "Store", "RESP", .product(name: "Logging", package: "swift-log")]),
    ],
    swiftLanguageModes: [.v5]
)
