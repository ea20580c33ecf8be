import CEpoll
import Glibc

// The latency monitor (latency.c): for each event class (command, fast-command, expire-cycle,
// fork, aof-fsync-always, ...) a ring of the last 160 per-second maxima in milliseconds and the
// all-time maximum, fed only when an event takes at least latency-monitor-threshold ms.

struct LatencySample {
    var time: Int64 = 0
    var latency: Int64 = 0
}

final class LatencyTimeSeries {
    static let length = 160
    var index = 0
    var max: Int64 = 0
    var samples = [LatencySample](repeating: LatencySample(), count: LatencyTimeSeries.length)

    /// The samples oldest first, skipping the empty slots.
    var ordered: [LatencySample] {
        (0..<LatencyTimeSeries.length).map { samples[(index + $0) % LatencyTimeSeries.length] }.filter { $0.time != 0 }
    }

    var latest: LatencySample { samples[(index + LatencyTimeSeries.length - 1) % LatencyTimeSeries.length] }
}

final class LatencyMonitor {
    /// Event names in the order they first occurred (Redis answers in its dict's order).
    private(set) var names: [String] = []
    private(set) var events: [String: LatencyTimeSeries] = [:]

    /// latencyAddSampleIfNeeded: `milliseconds` is recorded when the monitor is on and it reaches
    /// the threshold.
    @inline(__always)
    func addSampleIfNeeded(_ event: StaticString, milliseconds: Int64, threshold: Int64) {
        if threshold > 0 && milliseconds >= threshold { addSample(event.description, milliseconds) }
    }

    func addSample(_ event: String, _ latency: Int64) {
        let series: LatencyTimeSeries
        if let existing = events[event] {
            series = existing
        } else {
            series = LatencyTimeSeries()
            events[event] = series
            names.append(event)
        }
        let now = Int64(time(nil))
        if latency > series.max { series.max = latency }
        let previous = (series.index + LatencyTimeSeries.length - 1) % LatencyTimeSeries.length
        if series.samples[previous].time == now {
            if latency > series.samples[previous].latency { series.samples[previous].latency = latency }
            return
        }
        series.samples[series.index] = LatencySample(time: now, latency: latency)
        series.index = (series.index + 1) % LatencyTimeSeries.length
    }

    /// latencyResetEvent: forgets one event (or all with nil); how many were forgotten.
    func reset(_ event: String?) -> Int {
        guard let event else {
            let count = names.count
            names.removeAll()
            events.removeAll()
            return count
        }
        guard events.removeValue(forKey: event) != nil else { return 0 }
        names.removeAll { $0 == event }
        return 1
    }

    /// analyzeLatencyForEvent's figures.
    struct Statistics {
        var samples = 0
        var average: Int64 = 0
        var meanDeviation: Int64 = 0
        var period: Int64 = 0
    }

    func statistics(_ series: LatencyTimeSeries, now: Int64) -> Statistics {
        var result = Statistics()
        let samples = series.ordered
        if samples.isEmpty { return result }
        result.samples = samples.count
        let sum = samples.reduce(Int64(0)) { $0 + $1.latency }
        result.average = sum / Int64(samples.count)
        let oldest = samples.map(\.time).min()!
        result.period = max(now - oldest, 1)
        let deviations = samples.reduce(Int64(0)) { $0 + abs(result.average - $1.latency) }
        result.meanDeviation = deviations / Int64(samples.count)
        return result
    }
}
