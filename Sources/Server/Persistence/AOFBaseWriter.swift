import Glibc
import Store
import Util

// rewriteAppendOnlyFileRio (aof.c, 7.0) for `aof-use-rdb-preamble no`: the dataset as the
// commands that rebuild it — SELECT per database, SET / RPUSH / SADD / ZADD / HMSET with at
// most 64 items per command (AOF_REWRITE_ITEMS_PER_CMD), streams as AOFStreamRewrite.swift
// writes them, and PEXPIREAT for a TTL.

struct AOFCommandWriter {
    private let fd: Int32
    private var chunk: [UInt8] = []
    private(set) var failed: Int32 = 0
    private(set) var written: Int64 = 0

    static let itemsPerCommand = 64

    init(fd: Int32) {
        self.fd = fd
        chunk.reserveCapacity(64 * 1024)
    }

    mutating func header(_ count: Int) {
        chunk.append(UInt8(ascii: "*"))
        appendDecimalText(Int64(count), to: &chunk)
        chunk.append(contentsOf: [13, 10])
    }

    mutating func bulk(_ bytes: UnsafeRawBufferPointer) {
        chunk.append(UInt8(ascii: "$"))
        appendDecimalText(Int64(bytes.count), to: &chunk)
        chunk.append(contentsOf: [13, 10])
        chunk.append(contentsOf: bytes)
        chunk.append(contentsOf: [13, 10])
        if chunk.count >= 64 * 1024 { drain() }
    }

    mutating func bulk(_ text: StaticString) {
        bulk(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func bulk(_ element: ElementValue) { element.withBytes { bulk($0) } }

    mutating func bulk(_ value: Int64) {
        var text: [UInt8] = []
        appendDecimalText(value, to: &text)
        text.withUnsafeBytes { bulk($0) }
    }

    mutating func raw(_ bytes: [UInt8]) { chunk.append(contentsOf: bytes) }

    mutating func drain() {
        guard !chunk.isEmpty, failed == 0 else { chunk.removeAll(keepingCapacity: true); return }
        let n = chunk.withUnsafeBytes { Server.writeFully(fd, $0) }
        if n != chunk.count { failed = n < 0 ? errno : ENOSPC }
        written += Int64(max(n, 0))
        chunk.removeAll(keepingCapacity: true)
    }
}

extension Server {
    /// Writes every database's keys as commands to `fd`; returns errno, 0 on success.
    func writeAOFCommandBase(to fd: Int32) -> Int32 {
        var out = AOFCommandWriter(fd: fd)
        writeFunctionLoads(&out)
        for db in databases where db.count > 0 {
            var select: [UInt8] = []
            appendSelect(db.id, to: &select)
            out.raw(select)
            db.forEach { object in
                let key = object.key
                switch object.type {
                case .string:
                    out.header(3)
                    out.bulk("SET")
                    out.bulk(key)
                    object.withStringBytes { out.bulk($0) }
                case .list:
                    let list = ListType.quicklist(object)
                    var items: [ElementValue] = []
                    list.forEach(from: 0, count: list.count, reverse: false) { items.append($0) }
                    emitBatches(&out, "RPUSH", key, items.count, perItem: 1) { w, index in w.bulk(items[index]) }
                case .set:
                    var members: [[UInt8]] = []
                    SetType.forEach(object) { element in members.append(element.withBytes { [UInt8]($0) }) }
                    emitBatches(&out, "SADD", key, members.count, perItem: 1) { w, index in
                        members[index].withUnsafeBytes { w.bulk($0) }
                    }
                case .zset:
                    var entries: [([UInt8], Double)] = []
                    ZSetType.forEach(object) { element, score in entries.append((element.withBytes { [UInt8]($0) }, score)) }
                    emitBatches(&out, "ZADD", key, entries.count, perItem: 2) { w, index in
                        doubleG17Bytes(entries[index].1).withUnsafeBytes { w.bulk($0) }
                        entries[index].0.withUnsafeBytes { w.bulk($0) }
                    }
                case .hash:
                    var pairs: [([UInt8], [UInt8])] = []
                    HashType.forEach(object) { field, value in
                        pairs.append((field.withBytes { [UInt8]($0) }, value.withBytes { [UInt8]($0) }))
                    }
                    emitBatches(&out, "HMSET", key, pairs.count, perItem: 2) { w, index in
                        pairs[index].0.withUnsafeBytes { w.bulk($0) }
                        pairs[index].1.withUnsafeBytes { w.bulk($0) }
                    }
                case .stream:
                    out.rewriteStream(StreamType.stream(object), key: key)
                default:
                    break
                }
                if let expire = object.expireTime {
                    out.header(3)
                    out.bulk("PEXPIREAT")
                    out.bulk(key)
                    out.bulk(expire)
                }
            }
        }
        out.drain()
        return out.failed
    }

    private func emitBatches(_ out: inout AOFCommandWriter, _ name: StaticString, _ key: UnsafeRawBufferPointer,
                             _ count: Int, perItem: Int, _ item: (inout AOFCommandWriter, Int) -> Void) {
        var index = 0
        while index < count {
            let batch = min(AOFCommandWriter.itemsPerCommand, count - index)
            out.header(2 + batch * perItem)
            out.bulk(name)
            out.bulk(key)
            for offset in 0..<batch { item(&out, index + offset) }
            index += batch
        }
    }
}
