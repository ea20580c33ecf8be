// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets over what Apus reads from the outside: the RESP request parser, the inline
// splitter, RDB files, RESTORE payloads and redis.conf text. A separate package so that the
// server's own build and tests never see these executables, which have no main (libFuzzer's is
// linked in). Built and run by `make fuzz` (scripts/fuzz.sh) with
// `--sanitize fuzzer --sanitize address`, which instruments the Apus modules too.

let fuzzTarget: (String) -> Target = { name in
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "ApusFormats", package: "Apus")],
        swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
    name: "ApusFuzz",
    products: [
        .executable(name: "fuzz-request-parser", targets: ["FuzzRequestParser"]),
        .executable(name: "fuzz-inline-splitter", targets: ["FuzzInlineSplitter"]),
        .executable(name: "fuzz-rdb", targets: ["FuzzRDB"]),
        .executable(name: "fuzz-restore", targets: ["FuzzRestore"]),
        .executable(name: "fuzz-config", targets: ["FuzzConfig"]),
    ],
    dependencies: [.package(name: "Apus", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "ApusFormats", package: "Apus")]),
        fuzzTarget("FuzzRequestParser"),
        fuzzTarget("FuzzInlineSplitter"),
        fuzzTarget("FuzzRDB"),
        fuzzTarget("FuzzRestore"),
        fuzzTarget("FuzzConfig"),
    ],
    swiftLanguageModes: [.v5]
)
