import Store

// rdbSaveObjectType and rdbSaveObject (Redis 7.0): each type in the encoding it has, in the exact
// bytes Redis writes. Listpacks and intsets are Redis's own layouts in Apus, so they are copied
// out as they are; hashtable-encoded values are written element by element (in Apus's table
// order, which differs from Redis's dict order, so such payloads match Redis's in content only).

public enum RDBEncoder {
    /// rdbSaveObjectType.
    public static func typeByte(_ object: RedisObject) -> UInt8 {
        switch (object.type, object.encoding) {
        case (.string, _): return RDBFormat.typeString
        case (.list, _): return RDBFormat.typeListQuicklist2
        case (.set, .intset): return RDBFormat.typeSetIntset
        case (.set, _): return RDBFormat.typeSet
        case (.zset, .listpack): return RDBFormat.typeZSetListpack
        case (.zset, _): return RDBFormat.typeZSet2
        case (.hash, .listpack): return RDBFormat.typeHashListpack
        case (.hash, _): return RDBFormat.typeHash
        case (.stream, _): return RDBFormat.typeStreamListpacks2
        default: return RDBFormat.typeModule2
        }
    }

    /// rdbSaveStringObject.
    public static func writeString(_ object: RedisObject, to w: RDBWriter) {
        if object.encoding == .int {
            w.integerString(object.integer)
        } else {
            object.withStringBytes { w.string($0) }
        }
    }

    /// rdbSaveObject.
    public static func writeValue(_ object: RedisObject, to w: RDBWriter) {
        switch object.type {
        case .string:
            writeString(object, to: w)
        case .list:
            let list = ListType.quicklist(object)
            w.length(list.nodeCount)
            var node = list.head
            while let current = node {
                if current.isPlain {
                    w.length(RDBFormat.containerPlain)
                    let entries = current.entries
                    entries.withElement(at: entries.firstOffset) { $0.withBytes { w.string($0) } }
                    node = current.next
                    continue
                }
                w.length(RDBFormat.containerPacked)
                if let packed = current.compressedBytes {
                    w.lzfBlob(packed, originalLength: current.plainByteCount)
                } else {
                    w.string(current.entries.bytes)
                }
                node = current.next
            }
        case .set:
            if object.encoding == .intset {
                w.string(SetType.intset(object).bytes)
            } else {
                let table = SetType.table(object)
                w.length(table.count)
                SetType.forEach(object) { member in member.withBytes { w.string($0) } }
            }
        case .zset:
            if object.encoding == .listpack {
                w.string(ZSetType.listpack(object).bytes)
            } else {
                let zset = ZSetType.skiplist(object)
                w.length(zset.count)
                // Greatest to smallest, so loading inserts at the head of the skiplist.
                var node = zset.list.last
                while let current = node {
                    w.string(current.member)
                    w.binaryDouble(current.score)
                    node = zset.list.previous(current)
                }
            }
        case .hash:
            if object.encoding == .listpack {
                w.string(HashType.listpack(object).bytes)
            } else {
                w.length(HashType.length(object))
                HashType.table(object).forEach { field, value in
                    w.string(field)
                    w.string(value)
                }
            }
        case .stream:
            writeStream(StreamType.stream(object), to: w)
        default:
            break
        }
    }

    /// createDumpPayload: type, value, the RDB version (2 bytes, little endian) and the CRC64 of
    /// all of it (8 bytes, little endian).
    public static func dumpPayload(_ object: RedisObject, compression: Bool) -> [UInt8] {
        let w = RDBWriter(compression: compression)
        w.byte(typeByte(object))
        writeValue(object, to: w)
        w.byte(UInt8(RDBFormat.writtenVersion & 0xFF))
        w.byte(UInt8(RDBFormat.writtenVersion >> 8))
        w.littleEndian64(w.finishChecksum())
        return w.buffer
    }

    /// rdbSavedObjectLen (DEBUG OBJECT's serializedlength): the value's bytes in an RDB file.
    public static func serializedLength(_ object: RedisObject, compression: Bool) -> Int {
        let w = RDBWriter(compression: compression)
        writeValue(object, to: w)
        return w.buffer.count
    }
}
