// A hierarchical timer wheel with millisecond ticks: eleven levels of 64 slots cover all 64 bits
// of a monotonic millisecond clock, so no deadline ever needs clamping into a level. A timer sits on the level where its deadline first differs from "now" and cascades to
// finer levels as time approaches it, so insert and cancel are O(1) and a tick touches only due
// slots. Occupancy bitmaps find the next deadline without scanning, which sets epoll's timeout.

public typealias TimerID = UInt64

public final class TimerWheel {
    final class Timer {
        let id: TimerID
        var deadline: Int64
        /// Re-arm interval for periodic timers; 0 for one-shot ones.
        let period: Int64
        let callback: () -> Void
        var cancelled = false

        init(id: TimerID, deadline: Int64, period: Int64, callback: @escaping () -> Void) {
            self.id = id
            self.deadline = deadline
            self.period = period
            self.callback = callback
        }
    }

    static let levels = 11
    static let slotBits: Int64 = 6
    static let slotsPerLevel = 64

    private var slots: [[Timer]]
    private var occupied: [UInt64]
    /// Timers whose deadline had already passed when armed; they fire on the next advance.
    private var overdue: [Timer] = []
    private var live: [TimerID: Timer] = [:]
    private var nextID: TimerID = 1
    /// The wheel's notion of now: every deadline at or before it has fired.
    public private(set) var now: Int64

    public init(now: Int64) {
        self.now = now
        slots = Array(repeating: [], count: TimerWheel.levels * TimerWheel.slotsPerLevel)
        occupied = Array(repeating: 0, count: TimerWheel.levels)
    }

    public var count: Int { live.count }

    /// Arms a timer firing at `deadline` (monotonic ms), then every `period` ms if non-zero.
    @discardableResult
    public func schedule(at deadline: Int64, every period: Int64 = 0, _ callback: @escaping () -> Void) -> TimerID {
        let timer = Timer(id: nextID, deadline: deadline, period: period, callback: callback)
        nextID &+= 1
        live[timer.id] = timer
        place(timer)
        return timer.id
    }

    @discardableResult
    public func schedule(after delay: Int64, every period: Int64 = 0, _ callback: @escaping () -> Void) -> TimerID {
        schedule(at: now + delay, every: period, callback)
    }

    /// Cancels a pending timer; unknown or fired ids are ignored. The slot entry is dropped lazily.
    public func cancel(_ id: TimerID) {
        if let timer = live.removeValue(forKey: id) { timer.cancelled = true }
    }

    private static func level(for deadline: Int64, now: Int64) -> Int {
        let differing = UInt64(bitPattern: deadline ^ now) | UInt64(TimerWheel.slotsPerLevel - 1)
        let highest = 63 - differing.leadingZeroBitCount
        return min(highest / Int(slotBits), levels - 1)
    }

    private func place(_ timer: Timer) {
        if timer.deadline <= now {
            overdue.append(timer)
            return
        }
        let level = TimerWheel.level(for: timer.deadline, now: now)
        let slot = Int((timer.deadline >> (Int64(level) * TimerWheel.slotBits)) & 63)
        slots[level * TimerWheel.slotsPerLevel + slot].append(timer)
        occupied[level] |= 1 << UInt64(slot)
    }

    /// The earliest time something may be due: exact on level 0, a lower bound (the slot's start,
    /// when it must cascade) on higher levels.
    public var nextDeadline: Int64? {
        if !overdue.isEmpty { return now }
        var best: Int64? = nil
        for level in 0..<TimerWheel.levels {
            guard let start = nextSlotStart(level: level) else { continue }
            if best == nil || start < best! { best = start }
            if level == 0 { break }
        }
        return best
    }

    /// Start time of the first occupied slot at `level` at or after the current position.
    private func nextSlotStart(level: Int) -> Int64? {
        let bits = occupied[level]
        if bits == 0 { return nil }
        let shift = Int64(level) * TimerWheel.slotBits
        let current = Int((now >> shift) & 63)
        // Slots before the current one hold nothing: placement only uses this level's current cycle.
        let ahead = bits >> UInt64(current)
        if ahead == 0 { return nil }
        let slot = current + ahead.trailingZeroBitCount
        let levelSpan: Int64 = 1 << (shift + TimerWheel.slotBits)
        let cycleStart = now & ~(levelSpan - 1)
        let start = cycleStart + Int64(slot) << shift
        return max(start, now)
    }

    /// Fires everything due at or before `time`, cascading timers from coarse levels as needed.
    public func advance(to time: Int64) {
        fireOverdue()
        while let next = nextDeadline, next <= time {
            if next == now && overdue.isEmpty {
                // The current level-0 slot (or a cascade point equal to now): process it.
                if !processSlots(at: now) { now += 1 }
            } else {
                now = max(now, next)
                _ = processSlots(at: now)
            }
            fireOverdue()
        }
        if time > now { now = time }
    }

    /// Empties every slot whose start is `time`, from the top level down, re-placing what is not
    /// yet due. Returns whether anything was processed.
    private func processSlots(at time: Int64) -> Bool {
        var processed = false
        for level in stride(from: TimerWheel.levels - 1, through: 0, by: -1) {
            let shift = Int64(level) * TimerWheel.slotBits
            let slot = Int((time >> shift) & 63)
            guard occupied[level] & (1 << UInt64(slot)) != 0 else { continue }
            if level > 0 && time & ((1 << shift) - 1) != 0 { continue }
            let index = level * TimerWheel.slotsPerLevel + slot
            let due = slots[index]
            slots[index] = []
            occupied[level] &= ~(1 << UInt64(slot))
            processed = true
            for timer in due where !timer.cancelled {
                if timer.deadline <= now { overdue.append(timer) } else { place(timer) }
            }
        }
        return processed
    }

    private func fireOverdue() {
        while !overdue.isEmpty {
            let batch = overdue
            overdue.removeAll()
            for timer in batch where !timer.cancelled {
                if timer.period > 0 {
                    timer.deadline = max(timer.deadline + timer.period, now + 1)
                    place(timer)
                } else {
                    live.removeValue(forKey: timer.id)
                    timer.cancelled = true
                }
                timer.callback()
            }
        }
    }
}
