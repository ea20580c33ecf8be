import Store
import Util

// The output side of rio: bytes appended to a buffer, handed to a sink (a file) in large blocks,
// and the running CRC64 that closes the file. Length and string encodings are rdbSaveLen,
// rdbSaveRawString (integer and LZF forms) and rdbSaveLongLongAsStringObject.

public final class RDBWriter {
    public private(set) var buffer: [UInt8] = []
    public private(set) var crc: UInt64 = 0
    /// rdbchecksum: when off, the file ends in 8 zero bytes.
    public let checksum: Bool
    /// rdbcompression: strings over 20 bytes are tried with LZF.
    public let compression: Bool
    /// Bytes handed to the sink so far.
    public private(set) var flushedBytes = 0
    private let sink: ((UnsafeRawBufferPointer) throws -> Void)?
    static let flushThreshold = 1 << 20

    public init(compression: Bool, checksum: Bool = true, sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil) {
        self.compression = compression
        self.checksum = checksum
        self.sink = sink
        buffer.reserveCapacity(sink == nil ? 64 : RDBWriter.flushThreshold + 4096)
    }

    public var totalBytes: Int { flushedBytes + buffer.count }

    // MARK: raw bytes

    @inline(__always) public func byte(_ value: UInt8) { buffer.append(value) }

    public func bytes(_ raw: UnsafeRawBufferPointer) { buffer.append(contentsOf: raw) }

    public func bytes(_ raw: [UInt8]) { buffer.append(contentsOf: raw) }

    public func littleEndian64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    public func littleEndian32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Feeds everything written so far to the CRC and, with a sink, writes it out.
    public func flushIfNeeded() throws {
        if sink != nil && buffer.count >= RDBWriter.flushThreshold { try flush() }
    }

    public func flush() throws {
        guard let sink else { return }
        if checksum { crc = buffer.withUnsafeBytes { CRC64.update(crc, $0) } }
        try buffer.withUnsafeBytes { try sink($0) }
        flushedBytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// The CRC64 of every byte written (0 with rdbchecksum off), as the trailer stores it.
    public func finishChecksum() -> UInt64 {
        guard checksum else { return 0 }
        if sink == nil { return buffer.withUnsafeBytes { CRC64.update(0, $0) } }
        return buffer.withUnsafeBytes { CRC64.update(crc, $0) }
    }

    // MARK: encodings

    /// rdbSaveLen.
    public func length(_ value: Int) { length(UInt64(value)) }

    /// rdbSaveLen of any 64-bit number (a stream's counters and IDs).
    public func length(_ v: UInt64) {
        if v < 1 << 6 {
            byte(UInt8(v))
        } else if v < 1 << 14 {
            byte(UInt8(v >> 8) | RDBFormat.len14Bit << 6)
            byte(UInt8(v & 0xFF))
        } else if v <= UInt64(UInt32.max) {
            byte(RDBFormat.len32Bit)
            for shift in stride(from: 24, through: 0, by: -8) { byte(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        } else {
            byte(RDBFormat.len64Bit)
            for shift in stride(from: 56, through: 0, by: -8) { byte(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
    }

    /// rdbEncodeInteger: the 8/16/32-bit forms, or false when the value needs more.
    @discardableResult
    public func encodedInteger(_ value: Int64) -> Bool {
        let special = RDBFormat.encodedValue << 6
        if value >= -(1 << 7) && value <= (1 << 7) - 1 {
            byte(special | RDBFormat.encInt8)
            byte(UInt8(truncatingIfNeeded: value))
        } else if value >= -(1 << 15) && value <= (1 << 15) - 1 {
            byte(special | RDBFormat.encInt16)
            byte(UInt8(truncatingIfNeeded: value))
            byte(UInt8(truncatingIfNeeded: value >> 8))
        } else if value >= -(1 << 31) && value <= (1 << 31) - 1 {
            byte(special | RDBFormat.encInt32)
            littleEndian32(UInt32(truncatingIfNeeded: value))
        } else {
            return false
        }
        return true
    }

    /// rdbSaveLongLongAsStringObject.
    public func integerString(_ value: Int64) {
        if encodedInteger(value) { return }
        var digits = [UInt8](repeating: 0, count: 24)
        let count = digits.withUnsafeMutableBufferPointer { writeDecimal(value, to: $0.baseAddress!) }
        length(count)
        bytes(Array(digits[0..<count]))
    }

    /// rdbSaveRawString: integer encoding for short canonical numbers, LZF for long
    /// compressible strings when rdbcompression is on, otherwise length + bytes.
    public func string(_ raw: UnsafeRawBufferPointer) {
        let count = raw.count
        if count <= 11, let value = parseInt64(raw), encodedInteger(value) { return }
        if compression && count > 20 && lzfString(raw) { return }
        length(count)
        bytes(raw)
    }

    public func string(_ raw: [UInt8]) { raw.withUnsafeBytes { string($0) } }

    /// rdbSaveLzfStringObject: only when the compressed form fits in length - 4 bytes.
    private func lzfString(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard raw.count > 4, let packed = LZF.compress([UInt8](raw), limit: raw.count - 4) else { return false }
        lzfBlob(packed, originalLength: raw.count)
        return true
    }

    /// rdbSaveLzfBlob.
    public func lzfBlob(_ packed: [UInt8], originalLength: Int) {
        byte(RDBFormat.encodedValue << 6 | RDBFormat.encLZF)
        length(packed.count)
        length(originalLength)
        bytes(packed)
    }

    /// rdbSaveBinaryDoubleValue.
    public func binaryDouble(_ value: Double) { littleEndian64(value.bitPattern) }

    /// rdbSaveAuxFieldStrStr.
    public func aux(_ key: String, _ value: String) {
        byte(RDBFormat.opAux)
        string(Array(key.utf8))
        string(Array(value.utf8))
    }

    /// rdbSaveAuxFieldStrInt: the number as text (rdbSaveRawString then encodes it as an integer).
    public func aux(_ key: String, _ value: Int64) { aux(key, String(value)) }
}
