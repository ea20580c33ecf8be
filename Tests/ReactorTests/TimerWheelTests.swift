import Testing
@testable import Reactor
import TestSupport

/// Records which timer fired and the wheel's time when it did.
private final class FireLog {
    var events: [(label: Int, at: Int64)] = []
    var labels: [Int] { events.map(\.label) }
}

@Suite struct TimerWheelTests {
    private static let farDeadlines: [Int64] = [5, 70, 5000, 300_000, 20_000_000]

    /// Timers at 5 ms, 70 ms, 5 s, 5 min and 5.5 h: each sits on a different level and cascades.
    @Test(arguments: [Int64(0), 12_345, 987_654_321])
    func timersFireOnceInDeadlineOrder(start: Int64) {
        let wheel = TimerWheel(now: start)
        let log = FireLog()
        for index in [3, 0, 4, 2, 1] {
            wheel.schedule(at: start + Self.farDeadlines[index]) { [unowned wheel] in log.events.append((index, wheel.now)) }
        }
        #expect(wheel.count == 5)
        for (index, offset) in Self.farDeadlines.enumerated() {
            let deadline = start + offset
            wheel.advance(to: deadline - 1)
            #expect(log.events.count == index, "nothing due before \(offset)")
            wheel.advance(to: deadline)
            #expect(log.events.count == index + 1, "fires at \(offset)")
            #expect(log.events.last?.label == index)
            #expect(log.events.last?.at == deadline)
            #expect(wheel.now == deadline)
        }
        wheel.advance(to: start + 100_000_000)
        #expect(log.events.count == 5)
        #expect(wheel.count == 0)
    }

    @Test func oneBigAdvanceFiresEverythingInOrder() {
        let start: Int64 = 1_000_003
        let wheel = TimerWheel(now: start)
        let log = FireLog()
        for (index, offset) in Self.farDeadlines.enumerated().reversed() {
            wheel.schedule(after: offset) { [unowned wheel] in log.events.append((index, wheel.now)) }
        }
        wheel.advance(to: start + 30_000_000)
        #expect(log.labels == [0, 1, 2, 3, 4])
        #expect(log.events.map(\.at) == Self.farDeadlines.map { start + $0 })
        #expect(wheel.now == start + 30_000_000)
        #expect(wheel.nextDeadline == nil)
    }

    @Test func sameDeadlineFiresEveryTimer() {
        let wheel = TimerWheel(now: 0)
        let log = FireLog()
        for index in 0..<10 { wheel.schedule(at: 4097) { log.events.append((index, 0)) } }
        wheel.advance(to: 4096)
        #expect(log.events.isEmpty)
        wheel.advance(to: 4097)
        #expect(log.labels.sorted() == Array(0..<10))
    }

    @Test func periodicTimersRearm() {
        let wheel = TimerWheel(now: 1000)
        let log = FireLog()
        let id = wheel.schedule(after: 10, every: 10) { [unowned wheel] in log.events.append((0, wheel.now)) }
        wheel.advance(to: 1100)
        #expect(log.events.map(\.at) == Array(stride(from: Int64(1010), through: 1100, by: 10)))
        #expect(wheel.count == 1)
        wheel.advance(to: 1105)
        #expect(log.events.count == 10)
        wheel.cancel(id)
        #expect(wheel.count == 0)
        wheel.advance(to: 2000)
        #expect(log.events.count == 10)
    }

    @Test func periodicTimerWithALongPeriodCascades() {
        let wheel = TimerWheel(now: 0)
        var times: [Int64] = []
        wheel.schedule(at: 100, every: 70_000) { [unowned wheel] in times.append(wheel.now) }
        wheel.advance(to: 300_000)
        #expect(times == [100, 70_100, 140_100, 210_100, 280_100])
    }

    @Test func cancelledTimersNeverFire() {
        let wheel = TimerWheel(now: 0)
        let log = FireLog()
        let near = wheel.schedule(at: 3) { log.events.append((0, 0)) }
        let far = wheel.schedule(at: 300_000) { log.events.append((1, 0)) }
        wheel.schedule(at: 50) { log.events.append((2, 0)) }
        wheel.cancel(near)
        wheel.cancel(far)
        wheel.cancel(far)
        wheel.cancel(12_345)
        #expect(wheel.count == 1)
        wheel.advance(to: 1_000_000)
        #expect(log.labels == [2])
        #expect(wheel.count == 0)
    }

    @Test func cancelFromInsideACallback() {
        let wheel = TimerWheel(now: 0)
        let log = FireLog()
        var later: TimerID = 0
        var sameTime: TimerID = 0
        wheel.schedule(at: 10) {
            log.events.append((0, 0))
            wheel.cancel(sameTime)
            wheel.cancel(later)
        }
        sameTime = wheel.schedule(at: 10) { log.events.append((1, 0)) }
        later = wheel.schedule(at: 20) { log.events.append((2, 0)) }
        var selfID: TimerID = 0
        selfID = wheel.schedule(at: 5, every: 5) {
            log.events.append((3, 0))
            wheel.cancel(selfID)
        }
        wheel.advance(to: 100)
        #expect(log.labels == [3, 0])
        #expect(wheel.count == 0)
        #expect(wheel.nextDeadline == nil || wheel.nextDeadline! >= wheel.now)
    }

    @Test func schedulingFromInsideACallback() {
        let wheel = TimerWheel(now: 0)
        let log = FireLog()
        wheel.schedule(at: 10) { [unowned wheel] in
            log.events.append((0, wheel.now))
            wheel.schedule(after: 0) { [unowned wheel] in log.events.append((1, wheel.now)) }
            wheel.schedule(after: 5) { [unowned wheel] in log.events.append((2, wheel.now)) }
            wheel.schedule(after: 5000) { [unowned wheel] in log.events.append((3, wheel.now)) }
        }
        wheel.advance(to: 20)
        #expect(log.labels == [0, 1, 2])
        #expect(log.events.map(\.at) == [10, 10, 15])
        wheel.advance(to: 6000)
        #expect(log.labels == [0, 1, 2, 3])
        #expect(log.events.last?.at == 5010)
    }

    @Test func overdueTimersFireOnTheNextAdvance() {
        let wheel = TimerWheel(now: 500)
        let log = FireLog()
        wheel.schedule(at: 400) { log.events.append((0, 0)) }
        wheel.schedule(at: 500) { log.events.append((1, 0)) }
        #expect(wheel.nextDeadline == 500)
        wheel.advance(to: 500)
        #expect(log.labels == [0, 1])
        #expect(wheel.nextDeadline == nil)
    }

    @Test func nextDeadlineBounds() {
        let wheel = TimerWheel(now: 777)
        #expect(wheel.nextDeadline == nil)
        wheel.schedule(at: 790) {}
        #expect(wheel.nextDeadline == 790)
        let wheel2 = TimerWheel(now: 777)
        wheel2.schedule(at: 777 + 300_000) {}
        let next = wheel2.nextDeadline
        #expect(next != nil)
        #expect(next! >= 777)
        #expect(next! <= 777 + 300_000)
        // Advancing to the reported time never fires early and never skips the timer.
        var fired = false
        wheel2.schedule(at: 777 + 300_000) { fired = true }
        var steps = 0
        while let deadline = wheel2.nextDeadline, !fired, steps < 100 {
            #expect(deadline >= wheel2.now)
            #expect(deadline <= 777 + 300_000)
            wheel2.advance(to: deadline)
            steps += 1
        }
        #expect(fired)
        #expect(wheel2.now == 777 + 300_000)
    }

    /// Random schedules, cancels and advances against a sorted-list model.
    @Test(arguments: Array(UInt64(1)...UInt64(12)))
    func randomizedAgainstAModel(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let start = Int64.random(in: 0..<(1 << 32), using: &generator)
        let wheel = TimerWheel(now: start)
        let log = FireLog()
        // label -> (next deadline, period)
        var pending: [Int: (deadline: Int64, period: Int64)] = [:]
        var ids: [Int: TimerID] = [:]
        var label = 0
        let scales: [Int64] = [1, 8, 64, 700, 4096, 50_000, 262_144, 3_000_000, 16_777_216, 1 << 30]
        var problems: [String] = []
        for _ in 0..<3000 {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<5:
                let scale = scales[Int.random(in: 0..<scales.count, using: &generator)]
                var deadline = wheel.now + Int64.random(in: 0..<scale, using: &generator)
                var period: Int64 = 0
                if Int.random(in: 0..<10, using: &generator) == 0 {
                    deadline = wheel.now - Int64.random(in: 0..<100, using: &generator)
                } else if Int.random(in: 0..<8, using: &generator) == 0 && pending.values.filter({ $0.period > 0 }).count < 8 {
                    // Periods long enough that a big advance fires each only a few hundred times.
                    period = Int64.random(in: 10_000...1_000_000, using: &generator)
                    deadline += 1
                }
                let mine = label
                label += 1
                ids[mine] = wheel.schedule(at: deadline, every: period) { [unowned wheel] in log.events.append((mine, wheel.now)) }
                pending[mine] = (max(deadline, wheel.now), period)
            case 5..<7:
                guard let victim = pending.keys.randomElement(using: &generator) ?? ids.keys.randomElement(using: &generator) else { continue }
                wheel.cancel(ids[victim]!)
                pending[victim] = nil
            default:
                let scale = scales[Int.random(in: 0..<8, using: &generator)]
                let target = wheel.now + Int64.random(in: 0..<scale, using: &generator)
                // The model: every occurrence due by `target`, in time order.
                var expected: [(label: Int, at: Int64)] = []
                for (timer, state) in pending {
                    var next = state.deadline
                    while next <= target {
                        expected.append((timer, next))
                        if state.period == 0 { break }
                        next += state.period
                    }
                    if state.period == 0 {
                        if state.deadline <= target { pending[timer] = nil }
                    } else {
                        pending[timer] = (next, state.period)
                    }
                }
                expected.sort { ($0.at, $0.label) < ($1.at, $1.label) }
                log.events.removeAll()
                wheel.advance(to: target)
                let actual = log.events
                if actual.map(\.at) != actual.map(\.at).sorted() { problems.append("out of order: \(actual.map(\.at))") }
                let sortedActual = actual.sorted { ($0.at, $0.label) < ($1.at, $1.label) }
                if sortedActual.map(\.label) != expected.map(\.label) || sortedActual.map(\.at) != expected.map(\.at) {
                    problems.append("advance to \(target): expected \(expected.map { "\($0.label)@\($0.at)" }) got \(actual.map { "\($0.label)@\($0.at)" })")
                }
                if wheel.now != target { problems.append("now \(wheel.now) after advancing to \(target)") }
            }
            if wheel.count != pending.count { problems.append("count \(wheel.count) vs model \(pending.count)") }
            if let next = wheel.nextDeadline {
                if next < wheel.now { problems.append("nextDeadline \(next) before now \(wheel.now)") }
                if let earliest = pending.values.map(\.deadline).min(), next > earliest {
                    problems.append("nextDeadline \(next) after the earliest pending \(earliest)")
                }
            } else if !pending.isEmpty {
                problems.append("nextDeadline nil with \(pending.count) pending")
            }
            if problems.count > 5 { break }
        }
        #expect(problems.isEmpty, "seed \(seed): \(problems.prefix(5))")
        #expect(wheel.now < 1 << 36, "the run stays below the 2^36 ms boundary tested separately")
    }

    // MARK: deadlines beyond the wheel's 36 bits of levels

    /// A monotonic clock crosses a multiple of 2^36 ms after about 795 days of uptime; a timer
    /// armed just before such a boundary and due just after it must still fire.
    @Test func timerAcrossA2To36Boundary() {
        let start: Int64 = (1 << 36) - 50
        let wheel = TimerWheel(now: start)
        var fired: [Int64] = []
        wheel.schedule(after: 100) { [unowned wheel] in fired.append(wheel.now) }
        let next = wheel.nextDeadline
        #expect(next != nil)
        if let next { #expect(next >= start && next <= start + 100) }
        wheel.advance(to: start + 99)
        #expect(fired.isEmpty)
        // Stop here if the wheel lost track of the timer: advancing further would spin.
        guard wheel.nextDeadline.map({ $0 > wheel.now }) ?? false else {
            Issue.record("nextDeadline is \(String(describing: wheel.nextDeadline)) at now \(wheel.now) with a timer due at \(start + 100)")
            return
        }
        wheel.advance(to: start + 100)
        #expect(fired == [start + 100])
    }

    /// A deadline more than 2^36 ms (about 795 days) away, e.g. a huge blocking timeout.
    @Test(arguments: [Int64(0), 1, 123_456])
    func veryFarDeadline(start: Int64) throws {
        let wheel = TimerWheel(now: start)
        var fired = false
        let deadline = start + (1 << 37) + 5
        wheel.schedule(at: deadline) { fired = true }
        let next = try #require(wheel.nextDeadline)
        // Reporting `now` would make the event loop spin with a zero epoll timeout.
        try #require(next > start, "nextDeadline \(next) == now \(start) for a timer due in 2^37 ms")
        #expect(next <= deadline)
        wheel.advance(to: deadline - 1)
        #expect(!fired)
        wheel.advance(to: deadline)
        #expect(fired)
    }
}
