import Benchmark
import Reactor

// The timer wheel that drives active expiry, blocking timeouts and the cron: arming 10,000
// timers spread over a minute (so they land on several levels and cascade), then advancing the
// clock past all of them so every one fires.

final class Counter {
    var fired = 0
}

let timerCount = 10_000
/// Deadlines spread over 60 s, in a scattered order, relative to the wheel's clock.
let offsets: [Int64] = (0..<timerCount).map { Int64(1 + ($0 &* 7_919) % 60_000) }
/// One wheel for the whole run, as the server has: each sample continues from its clock.
let wheel = TimerWheel(now: 1_000_000)
let counter = Counter()
/// One closure value for every timer, as the server's fixed callbacks are.
let callback: () -> Void = { counter.fired &+= 1 }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    // About 3.4 allocations per timer: the Timer object, plus the slot arrays and the overdue list
    // growing back from empty (processSlots and fireOverdue drop their storage). The count moves
    // by about 0.5% from sample to sample (array capacities follow malloc_usable_size), so the
    // p90 in Thresholds/ReactorBenchmarks.*.p90.json may differ by 500 (one more allocation per
    // timer would add 10,000).
    Benchmark(
        "TimerWheel-schedule-expire-10k",
        configuration: .init(
            thresholds: [.mallocCountTotal: BenchmarkThresholds(absolute: [.p90: 500])],
            setup: { _ = (wheel, offsets, callback) })
    ) { benchmark in
        // Every sample starts at the same phase of the wheel (a multiple of 2^18 ms, level 3's
        // slot width), so its timers land in the same levels and slots.
        let start = (wheel.now / 262_144 + 1) * 262_144
        wheel.advance(to: start)
        let firedBefore = counter.fired
        benchmark.startMeasurement()
        for offset in offsets {
            wheel.schedule(at: start + offset, callback)
        }
        wheel.advance(to: start + 60_001)
        benchmark.stopMeasurement()
        if counter.fired - firedBefore != timerCount || wheel.count != 0 {
            benchmark.error("fired \(counter.fired - firedBefore) of \(timerCount), \(wheel.count) left")
        }
    }
}
