import Benchmark
import BenchSupport
import RESP

// The protocol layer on its own: parsing a pipelined read and encoding replies. Both must run
// without a single allocation once the client's buffers exist; the thresholds in
// Thresholds/RESPBenchmarks.*.p90.json hold them at zero.

/// 16 commands as redis-benchmark -P 16 sends them: SET key value and GET key, alternating.
func pipelineBytes() -> [UInt8] {
    let keys = KeyTable(count: 16, first: 42)
    var bytes: [UInt8] = []
    func bulk(_ argument: [UInt8]) {
        bytes += Array("$\(argument.count)\r\n".utf8) + argument + [0x0D, 0x0A]
    }
    for index in 0..<16 {
        if index % 2 == 0 {
            bytes += Array("*3\r\n".utf8)
            bulk(Array("SET".utf8))
            bulk(keys.bytes(index))
            bulk(benchmarkValue)
        } else {
            bytes += Array("*2\r\n".utf8)
            bulk(Array("GET".utf8))
            bulk(keys.bytes(index - 1))
        }
    }
    return bytes
}

let zeroAllocations: [BenchmarkMetric: BenchmarkThresholds] = [
    // Compared with the p90 in Thresholds/ by `benchmark thresholds check`: no tolerance.
    .mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 0]),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    // One iteration (×1000 per sample): the bytes of one read land in the query buffer, and the
    // parser takes out all 16 commands, resetting after each as the server does after executing it.
    Benchmark(
        "RESP-parse-pipeline-16",
        configuration: .init(thresholds: zeroAllocations)
    ) { benchmark in
        let pipeline = pipelineBytes()
        let buffer = QueryBuffer()
        var parser = RequestParser()
        var checksum = 0
        benchmark.startMeasurement()
        pipeline.withUnsafeBytes { pipeline in
            for _ in benchmark.scaledIterations {
                buffer.append(pipeline)
                var commands = 0
                while case .command = parser.parse(buffer) {
                    commands &+= 1
                    checksum &+= parser.argumentCount &+ parser.argument(1, in: buffer).count
                    parser.reset()
                }
                if parser.commandStart == nil { buffer.resetIfEmpty() }
                if commands != 16 { benchmark.error("parsed \(commands) commands, expected 16") }
            }
        }
        benchmark.stopMeasurement()
        blackHole(checksum)
    }

    // One iteration (×1000 per sample): the replies of a small mixed batch (bulk values, integers,
    // status, a 3-element array and a 2-pair map), then the write of all of it (`consume`).
    for resp3 in [false, true] {
        Benchmark(
            "RESP-reply-encoding-\(resp3 ? "RESP3" : "RESP2")",
            configuration: .init(thresholds: zeroAllocations)
        ) { benchmark in
            let reply = ReplyBuffer()
            reply.resp3 = resp3
            let stored: [UInt8] = benchmarkValue
            let keys = KeyTable(count: 3)
            benchmark.startMeasurement()
            for index in benchmark.scaledIterations {
                reply.bulk(stored)                      // GET of a stored value
                reply.bulk(integer: Int64(index))       // GET of an int-encoded value
                reply.integer(index)                    // INCR, DEL, EXISTS ...
                reply.ok()                              // SET
                reply.nullBulk()                        // GET of a missing key
                reply.arrayHeader(3)                    // MGET / KEYS
                for key in 0..<3 { reply.bulk(keys[key]) }
                reply.mapHeader(2)                      // HELLO / CONFIG GET / HGETALL
                reply.bulk("field" as StaticString)
                reply.integer(Int64(index))
                reply.bulk("name" as StaticString)
                reply.bulk(keys[0])
                reply.consume(reply.pendingBytes)
            }
        }
    }
}
