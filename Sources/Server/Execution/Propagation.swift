import Util

// The stream of writes that leaves the server (Redis's also_propagate and propagatePendingCommands,
// 7.0): every command that changed the dataset, as the command that reproduces its effect (SET
// ... PXAT for SET ... EX, SREM for SPOP, DEL for a lazily expired key), collected per execution
// unit (a client's command, an EXEC, a served blocked client, an active-expiry deletion) and
// emitted once the unit ends, wrapped in MULTI/EXEC when the unit produced more than one. The AOF
// and the replication stream are consumers of this one stream. With no consumer nothing is
// encoded: a write then costs one test here.

/// Builds one propagated command's RESP bytes (`*<n>` header written by the caller's count).
public struct PropagatedArguments {
    fileprivate var bytes: [UInt8]

    public mutating func append(_ argument: UnsafeRawBufferPointer) {
        bytes.append(UInt8(ascii: "$"))
        appendDecimal(Int64(argument.count))
        bytes.append(contentsOf: [13, 10])
        bytes.append(contentsOf: argument)
        bytes.append(contentsOf: [13, 10])
    }

    public mutating func append(_ argument: StaticString) {
        append(UnsafeRawBufferPointer(start: argument.utf8Start, count: argument.utf8CodeUnitCount))
    }

    public mutating func append(_ argument: [UInt8]) {
        argument.withUnsafeBytes { append($0) }
    }

    /// An integer argument as its decimal text (PEXPIREAT's time, a count).
    public mutating func append(_ value: Int64) {
        PropagatedArguments.withInteger(value) { append($0) }
    }

    /// One whole command of `count` arguments, for a stream's own commands (SELECT, PING).
    public static func command(count: Int, _ build: (inout PropagatedArguments) -> Void) -> PropagatedArguments {
        var command = PropagatedArguments(bytes: [])
        command.header(count)
        build(&command)
        return command
    }

    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { bytes.withUnsafeBytes(body) }

    fileprivate mutating func header(_ count: Int) {
        bytes.append(UInt8(ascii: "*"))
        appendDecimal(Int64(count))
        bytes.append(contentsOf: [13, 10])
    }

    private mutating func appendDecimal(_ value: Int64) {
        PropagatedArguments.withInteger(value) { bytes.append(contentsOf: $0) }
    }

    // Static: a method on self would hold a copy of `bytes` while the closure appends to them,
    // and every append would then copy the whole buffer.
    private static func withInteger<R>(_ value: Int64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 21) { buffer in
            let length = writeDecimal(value, to: buffer.baseAddress!)
            return body(UnsafeRawBufferPointer(start: buffer.baseAddress!, count: length))
        }
    }
}

/// A consumer of the stream: told each command with the database it applies to.
public typealias PropagationConsumer = (_ db: Int, _ command: UnsafeRawBufferPointer) -> Void

public final class PropagationStream {
    /// The AOF, replicas, tests. Empty: commands are not even encoded.
    public private(set) var consumers: [PropagationConsumer] = []
    /// Each consumer's token, parallel to `consumers`, for removing one.
    private var tokens: [Int] = []
    /// What each consumer is, PROPAGATE_AOF (1) or PROPAGATE_REPL (2), parallel to `consumers`.
    private var kinds: [UInt8] = []
    /// The kinds present: a command for none of them is not even queued (shouldPropagate).
    private var consumedKinds: UInt8 = 0
    private var nextToken = 0
    /// The running unit's commands: their bytes back to back, and where each ends.
    private var pending = PropagatedArguments(bytes: [])
    private var ops: [(db: Int, end: Int)] = []
    /// Each command's targets (redis.set_repl), parallel to `ops`.
    private var opTargets: [UInt8] = []

    @inline(__always) public var isConsumed: Bool { !consumers.isEmpty }
    public var pendingCount: Int { ops.count }

    /// Adds a consumer; the token removes it again.
    @discardableResult
    public func addConsumer(kind: UInt8 = 3, _ consumer: @escaping PropagationConsumer) -> Int {
        nextToken += 1
        consumers.append(consumer)
        tokens.append(nextToken)
        kinds.append(kind)
        consumedKinds |= kind
        return nextToken
    }

    public func removeConsumer(_ token: Int) {
        guard let index = tokens.firstIndex(of: token) else { return }
        consumers.remove(at: index)
        tokens.remove(at: index)
        kinds.remove(at: index)
        consumedKinds = kinds.reduce(0, |)
    }

    public func removeAllConsumers() {
        consumers.removeAll()
        tokens.removeAll()
        kinds.removeAll()
        consumedKinds = 0
    }

    /// alsoPropagate: queues a command of `count` arguments against database `db`.
    public func append(db: Int, count: Int, targets: UInt8 = 3, _ build: (inout PropagatedArguments) -> Void) {
        guard consumedKinds & targets != 0 else { return }
        pending.header(count)
        build(&pending)
        ops.append((db, pending.bytes.count))
        opTargets.append(targets)
    }

    /// The running command's rewritten form, kept until its call ends. One buffer: a command
    /// that nests calls (EXEC) is not propagated itself.
    private var rewrite = PropagatedArguments(bytes: [])

    func setRewrite(count: Int, _ build: (inout PropagatedArguments) -> Void) {
        rewrite.bytes.removeAll(keepingCapacity: true)
        rewrite.header(count)
        build(&rewrite)
    }

    /// Queues the rewrite set during the call that just ended.
    func appendRewrite(db: Int, targets: UInt8 = 3) {
        guard consumedKinds & targets != 0 else { return }
        pending.bytes.append(contentsOf: rewrite.bytes)
        ops.append((db, pending.bytes.count))
        opTargets.append(targets)
    }

    /// propagatePendingCommands: hands the unit's commands to every consumer they target, inside
    /// MULTI/EXEC (sent to all) when there are several and `atomic` (active expiry emits its DELs
    /// one by one).
    func flush(atomic: Bool = true) {
        guard !ops.isEmpty else { return }
        let wrap = atomic && ops.count > 1
        pending.bytes.withUnsafeBytes { all in
            if wrap { emit(db: ops[0].db, PropagationStream.multi) }
            var start = 0
            for (index, op) in ops.enumerated() {
                let command = UnsafeRawBufferPointer(rebasing: all[start..<op.end])
                for (consumer, kind) in zip(consumers, kinds) where kind & opTargets[index] != 0 { consumer(op.db, command) }
                start = op.end
            }
            if wrap { emit(db: ops[ops.count - 1].db, PropagationStream.exec) }
        }
        pending.bytes.removeAll(keepingCapacity: true)
        ops.removeAll(keepingCapacity: true)
        opTargets.removeAll(keepingCapacity: true)
    }

    private func emit(db: Int, _ text: StaticString) {
        let bytes = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for consumer in consumers { consumer(db, bytes) }
    }

    private static let multi: StaticString = "*1\r\n$5\r\nMULTI\r\n"
    private static let exec: StaticString = "*1\r\n$4\r\nEXEC\r\n"

}
