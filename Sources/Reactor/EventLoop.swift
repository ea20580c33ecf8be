import CEpoll
import Glibc

// The reactor: one epoll instance, a handler per file descriptor, before/after-sleep hooks and a
// timer wheel, all on one thread. Like Redis's ae.c, it knows nothing about what the fds carry.

public struct Interest: OptionSet {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let readable = Interest(rawValue: APUS_EPOLLIN)
    public static let writable = Interest(rawValue: APUS_EPOLLOUT)
}

/// Called with the fd and whether it is readable and/or writable (errors and hang-ups count as both,
/// so the handler's next read or write sees them).
public typealias FileHandler = (_ fd: Int32, _ readable: Bool, _ writable: Bool) -> Void

public final class EventLoop {
    private let epollFD: Int32
    private var handlers: [FileHandler?] = []
    private var interests: [Interest] = []
    private var readyFDs = [Int32](repeating: 0, count: 512)
    private var readyMasks = [UInt32](repeating: 0, count: 512)
    public let timers: TimerWheel
    public var beforeSleep: (() -> Void)?
    public var afterSleep: (() -> Void)?
    public private(set) var isStopped = false
    /// How deep dispatching is nested (1 in a normal pass, 2 inside a busy script's pass).
    private var nesting = 0

    public init() throws(SystemError) {
        let fd = apus_epoll_create()
        if fd < 0 { throw SystemError(call: "epoll_create1", errno: apus_errno()) }
        epollFD = fd
        timers = TimerWheel(now: EventLoop.monotonicMilliseconds())
    }

    deinit { close(epollFD) }

    public static func monotonicMilliseconds() -> Int64 { apus_monotonic_us() / 1000 }

    /// Registers or changes the interest set of `fd`. An empty set removes it from epoll but keeps
    /// the handler, so it can be re-armed cheaply.
    public func watch(_ fd: Int32, _ interest: Interest, handler: @escaping FileHandler) throws(SystemError) {
        let index = Int(fd)
        if index >= handlers.count {
            let newCount = max(index + 1, handlers.count * 2, 64)
            handlers.append(contentsOf: repeatElement(nil, count: newCount - handlers.count))
            interests.append(contentsOf: repeatElement([], count: newCount - interests.count))
        }
        handlers[index] = handler
        try setInterest(fd, interest)
    }

    /// Changes what `fd` is watched for; its handler stays.
    public func setInterest(_ fd: Int32, _ interest: Interest) throws(SystemError) {
        let index = Int(fd)
        let old = interests[index]
        if old == interest { return }
        let op: Int32 = old.isEmpty ? 0 : (interest.isEmpty ? 2 : 1)
        if apus_epoll_ctl(epollFD, op, fd, interest.rawValue) != 0 {
            throw SystemError(call: "epoll_ctl", errno: apus_errno())
        }
        interests[index] = interest
    }

    @inlinable
    public func interest(of fd: Int32) -> Interest {
        let index = Int(fd)
        return index < interestsCount ? interestAt(index) : []
    }

    @usableFromInline var interestsCount: Int { interests.count }
    @usableFromInline func interestAt(_ index: Int) -> Interest { interests[index] }

    /// Forgets `fd` entirely (call before closing it).
    public func unwatch(_ fd: Int32) {
        let index = Int(fd)
        guard index < handlers.count else { return }
        if !interests[index].isEmpty { _ = apus_epoll_ctl(epollFD, 2, fd, 0) }
        interests[index] = []
        handlers[index] = nil
    }

    public func stop() { isStopped = true }

    /// Runs until `stop()`.
    public func run() {
        while !isStopped { runOnce() }
    }

    /// One iteration: before-sleep, wait for events or the next timer, dispatch, run due timers.
    public func runOnce() {
        beforeSleep?()
        if isStopped { return }
        let now = EventLoop.monotonicMilliseconds()
        var timeout: Int32 = -1
        if let next = timers.nextDeadline {
            timeout = Int32(clamping: max(0, next - now))
        }
        _ = dispatchFileEvents(timeout: timeout)
        timers.advance(to: EventLoop.monotonicMilliseconds())
    }

    /// aeProcessEvents(AE_FILE_EVENTS|AE_DONT_WAIT|AE_CALL_BEFORE_SLEEP): before-sleep and the
    /// file events ready now, no timers — how a long-running command (a busy script) lets
    /// other clients be answered. Returns how many events it handled.
    @discardableResult
    public func processReadyFileEvents() -> Int {
        beforeSleep?()
        return dispatchFileEvents(timeout: 0)
    }

    private func dispatchFileEvents(timeout: Int32) -> Int {
        // A handler may run a nested pass (a busy script): it gets buffers of its own, so the
        // outer batch is not overwritten while it is being dispatched.
        if nesting > 0 {
            var fds = [Int32](repeating: 0, count: 128)
            var masks = [UInt32](repeating: 0, count: 128)
            return poll(&fds, &masks, timeout: timeout)
        }
        nesting += 1
        defer { nesting -= 1 }
        return poll(&readyFDs, &readyMasks, timeout: timeout)
    }

    /// epoll_wait into the given buffers, then dispatch what is ready.
    private func poll(_ fds: inout [Int32], _ masks: inout [UInt32], timeout: Int32) -> Int {
        let count = fds.withUnsafeMutableBufferPointer { f in
            masks.withUnsafeMutableBufferPointer { m in
                apus_epoll_wait(epollFD, f.baseAddress, m.baseAddress, Int32(f.count), timeout)
            }
        }
        afterSleep?()
        guard count > 0 else { return 0 }
        dispatch(fds: fds, masks: masks, count: Int(count))
        return Int(count)
    }

    private func dispatch(fds: [Int32], masks: [UInt32], count: Int) {
        for index in 0..<count {
            let fd = fds[index]
            let mask = masks[index]
            let failed = mask & (APUS_EPOLLERR | APUS_EPOLLHUP) != 0
            let readable = mask & APUS_EPOLLIN != 0 || failed
            let writable = mask & APUS_EPOLLOUT != 0 || failed
            // A handler earlier in this batch may have closed this fd.
            guard Int(fd) < handlers.count, let handler = handlers[Int(fd)] else { continue }
            let current = interests[Int(fd)]
            handler(fd, readable && current.contains(.readable) || failed && current.contains(.readable),
                    writable && current.contains(.writable))
        }
    }
}

/// A failed system call, with errno and the call's name.
public struct SystemError: Error, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
