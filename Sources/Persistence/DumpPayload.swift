import Store

// RESTORE's side of a DUMP payload (cluster.c, Redis 7.0): the footer check and the decoding of
// the one value it carries. Here rather than in the command so the fuzz target runs exactly what
// RESTORE runs.

public enum DumpPayload {
    public enum Failure: Error {
        /// The footer is wrong: "DUMP payload version or checksum are wrong".
        case footer
        /// The value does not decode, or bytes follow it: "Bad data format".
        case badData
    }

    /// verifyDumpPayload: an RDB version up to 7.0's own (10; Redis 7.0 refuses 7.2's payloads)
    /// and a matching CRC64 (a zero CRC is not special), unless DEBUG SET-SKIP-CHECKSUM-VALIDATION.
    public static func verify(_ payload: UnsafeRawBufferPointer, skipChecksum: Bool) -> Bool {
        guard payload.count >= 10 else { return false }
        let footer = payload.count - 10
        let version = Int(payload[footer]) | Int(payload[footer + 1]) << 8
        guard version <= RDBFormat.writtenVersion else { return false }
        if skipChecksum { return true }
        var stored: UInt64 = 0
        for i in 0..<8 { stored |= UInt64(payload[footer + 2 + i]) << UInt64(8 * i) }
        return CRC64.update(0, UnsafeRawBufferPointer(rebasing: payload[0..<(payload.count - 8)])) == stored
    }

    /// The verified payload's value (rdbLoadObjectType + rdbLoadObject); an empty collection is
    /// bad data here, as in RESTORE.
    public static func decode(_ payload: UnsafeRawBufferPointer, skipChecksum: Bool, limits: RDBLoadLimits) throws(Failure) -> RedisObject {
        guard verify(payload, skipChecksum: skipChecksum) else { throw .footer }
        let reader = RDBReader([UInt8](payload), end: payload.count - 10)
        do {
            let type = try reader.byte("the object type")
            guard let decoded = try RDBDecoder.readValue(type: type, from: reader, limits: limits) else { throw Failure.badData }
            guard reader.remaining == 0 else {
                decoded.release()
                throw Failure.badData
            }
            return decoded
        } catch {
            throw .badData
        }
    }
}
