import Util

// The stream of writes that leaves the server (Redis's also_propagate and propagatePendingCommands,
// 7.0): every command that changed the dataset, as the command that reproduces its effect (SET
// ... PXAT for SET ... EX, SREM for SPOP, DEL for a lazily expired key), collected per execution
// unit (a client's command, an EXEC, a served blocked client, an active-expiry deletion) and
// emitted once the unit ends, wrapped in MULTI/EXEC when the unit produced more than one. The AOF
// and the replication stream are consumers of this one stream. With no consumer nothing is
// encoded: a write then costs one test here.

/// Where propagated commands are encoded: a growable byte region written through its pointer.
/// Encoding is the master's cost per write, so an argument is one capacity test and two copies.
final class PropagationBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    @inline(never)
    private func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Writes after `reserve`: the caller reserved room for these bytes.
    @inline(__always)
    func put(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func put(_ bytes: UnsafeRawBufferPointer) {
        if let source = bytes.baseAddress { UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    func putDecimal(_ value: Int64) { count += writeDecimal(value, to: base + count) }

    func append(_ bytes: UnsafeRawBufferPointer) {
        reserve(bytes.count)
        put(bytes)
    }

    func removeAll() { count = 0 }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}

/// Builds one propagated command's RESP bytes (`*<n>` header written by the caller's count).
/// A builder, not a value: copies would share their buffer, so none is kept beyond its use.
public struct PropagatedArguments {
    fileprivate let buffer: PropagationBuffer

    public mutating func append(_ argument: UnsafeRawBufferPointer) {
        // "$", up to 20 digits, CRLF, the bytes, CRLF.
        buffer.reserve(argument.count + 25)
        buffer.put(UInt8(ascii: "$"))
        buffer.putDecimal(Int64(argument.count))
        buffer.put(13)
        buffer.put(10)
        buffer.put(argument)
        buffer.put(13)
        buffer.put(10)
    }

    public mutating func append(_ argument: StaticString) {
        append(UnsafeRawBufferPointer(start: argument.utf8Start, count: argument.utf8CodeUnitCount))
    }

    public mutating func append(_ argument: [UInt8]) {
        argument.withUnsafeBytes { append($0) }
    }

    /// An integer argument as its decimal text (PEXPIREAT's time, a count).
    public mutating func append(_ value: Int64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { digits in
            let length = writeDecimal(value, to: digits.baseAddress!)
            append(UnsafeRawBufferPointer(start: digits.baseAddress!, count: length))
        }
    }

    /// One whole command of `count` arguments, for a stream's own commands (SELECT, PING).
    public static func command(count: Int, _ build: (inout PropagatedArguments) -> Void) -> PropagatedArguments {
        var command = PropagatedArguments(buffer: PropagationBuffer())
        command.header(count)
        build(&command)
        return command
    }

    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { body(buffer.bytes) }

    fileprivate mutating func header(_ count: Int) {
        buffer.reserve(23)
        buffer.put(UInt8(ascii: "*"))
        buffer.putDecimal(Int64(count))
        buffer.put(13)
        buffer.put(10)
    }
}

/// A consumer of the stream: told each command with the database it applies to.
public typealias PropagationConsumer = (_ db: Int, _ command: UnsafeRawBufferPointer) -> Void

public final class PropagationStream {
    /// The AOF, replicas, tests. Empty: commands are not even encoded.
    public private(set) var consumers: [PropagationConsumer] = []
    /// Each consumer's token, parallel to `consumers`, for removing one.
    private var tokens: [Int] = []
    /// What each consumer is, PROPAGATE_AOF (1) or PROPAGATE_REPL (2), parallel to `consumers`;
    /// 0 while the consumer is paused (setPaused).
    private var kinds: [UInt8] = []
    /// Each consumer's kind whether paused or not, parallel to `consumers`.
    private var declaredKinds: [UInt8] = []
    /// The kinds present: a command for none of them is not even queued (shouldPropagate).
    private var consumedKinds: UInt8 = 0
    private var nextToken = 0
    /// The running unit's commands: their bytes back to back, and where each ends.
    private let pending = PropagatedArguments(buffer: PropagationBuffer())
    private var ops: [(db: Int, end: Int)] = []
    /// Each command's targets (redis.set_repl), parallel to `ops`.
    private var opTargets: [UInt8] = []

    @inline(__always) public var isConsumed: Bool { consumedKinds != 0 }
    public var pendingCount: Int { ops.count }

    /// Adds a consumer; the token removes it again.
    @discardableResult
    public func addConsumer(kind: UInt8 = 3, _ consumer: @escaping PropagationConsumer) -> Int {
        nextToken += 1
        consumers.append(consumer)
        tokens.append(nextToken)
        kinds.append(kind)
        declaredKinds.append(kind)
        consumedKinds |= kind
        return nextToken
    }

    public func removeConsumer(_ token: Int) {
        guard let index = tokens.firstIndex(of: token) else { return }
        consumers.remove(at: index)
        tokens.remove(at: index)
        kinds.remove(at: index)
        declaredKinds.remove(at: index)
        consumedKinds = kinds.reduce(0, |)
    }

    /// A paused consumer is told nothing, and a command no other consumer wants is not even
    /// encoded (a replica's backlog consumer: a replica relays its master's bytes instead).
    public func setPaused(_ token: Int, _ paused: Bool) {
        guard let index = tokens.firstIndex(of: token) else { return }
        kinds[index] = paused ? 0 : declaredKinds[index]
        consumedKinds = kinds.reduce(0, |)
    }

    public func removeAllConsumers() {
        consumers.removeAll()
        tokens.removeAll()
        kinds.removeAll()
        declaredKinds.removeAll()
        consumedKinds = 0
    }

    /// alsoPropagate: queues a command of `count` arguments against database `db`.
    public func append(db: Int, count: Int, targets: UInt8 = 3, _ build: (inout PropagatedArguments) -> Void) {
        guard consumedKinds & targets != 0 else { return }
        var arguments = pending
        arguments.header(count)
        build(&arguments)
        ops.append((db, pending.buffer.count))
        opTargets.append(targets)
    }

    /// The running command's rewritten form, kept until its call ends. One buffer: a command
    /// that nests calls (EXEC) is not propagated itself.
    private let rewrite = PropagatedArguments(buffer: PropagationBuffer())

    func setRewrite(count: Int, _ build: (inout PropagatedArguments) -> Void) {
        var arguments = rewrite
        arguments.buffer.removeAll()
        arguments.header(count)
        build(&arguments)
    }

    /// Queues the rewrite set during the call that just ended.
    func appendRewrite(db: Int, targets: UInt8 = 3) {
        guard consumedKinds & targets != 0 else { return }
        pending.buffer.append(rewrite.buffer.bytes)
        ops.append((db, pending.buffer.count))
        opTargets.append(targets)
    }

    /// propagatePendingCommands: hands the unit's commands to every consumer they target, inside
    /// MULTI/EXEC (sent to all) when there are several and `atomic` (active expiry emits its DELs
    /// one by one).
    func flush(atomic: Bool = true) {
        guard !ops.isEmpty else { return }
        let wrap = atomic && ops.count > 1
        let all = pending.buffer.bytes
        if wrap { emit(db: ops[0].db, PropagationStream.multi) }
        var start = 0
        for index in ops.indices {
            let op = ops[index]
            let command = UnsafeRawBufferPointer(rebasing: all[start..<op.end])
            let targets = opTargets[index]
            for consumer in consumers.indices where kinds[consumer] & targets != 0 { consumers[consumer](op.db, command) }
            start = op.end
        }
        if wrap { emit(db: ops[ops.count - 1].db, PropagationStream.exec) }
        pending.buffer.removeAll()
        ops.removeAll(keepingCapacity: true)
        opTargets.removeAll(keepingCapacity: true)
    }

    private func emit(db: Int, _ text: StaticString) {
        let bytes = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for consumer in consumers.indices where kinds[consumer] != 0 { consumers[consumer](db, bytes) }
    }

    private static let multi: StaticString = "*1\r\n$5\r\nMULTI\r\n"
    private static let exec: StaticString = "*1\r\n$4\r\nEXEC\r\n"

}
