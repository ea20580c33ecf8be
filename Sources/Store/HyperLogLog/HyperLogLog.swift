import Glibc

// Redis's HyperLogLog (hyperloglog.c), byte for byte: a 16-byte header ("HYLL", encoding, 3
// unused bytes, an 8-byte little-endian cached cardinality whose top bit marks it stale), then
// either 16384 6-bit registers packed little-endian-first (dense, 12304 bytes in all) or the
// sparse run-length opcodes:
//   ZERO  00xxxxxx           xxxxxx+1 zero registers (1-64)
//   XZERO 01xxxxxx yyyyyyyy  xxxxxxyyyyyyyy+1 zero registers (1-16384)
//   VAL   1vvvvvxx           xx+1 registers (1-4) holding vvvvv+1 (1-32)
// Keeping Redis's exact bytes means a value copied between the servers (GET/SET, DUMP/RESTORE)
// counts the same, and the same operations produce the same bytes.

public enum HyperLogLog {
    public static let precision = 14
    public static let registerCount = 1 << precision
    public static let registerBits = 6
    public static let registerMax: UInt8 = 63
    public static let headerSize = 16
    public static let denseSize = headerSize + (registerCount * registerBits + 7) / 8
    static let q = 64 - precision
    public static let sparseValueMax = 32
    static let sparseValueMaxLength = 4
    static let sparseZeroMaxLength = 64
    static let sparseXZeroMaxLength = 16384
    public static let dense: UInt8 = 0
    public static let sparse: UInt8 = 1

    /// createHLLObject: an empty sparse HLL (one XZERO covering every register).
    public static func empty() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: headerSize + 2)
        bytes[0] = UInt8(ascii: "H"); bytes[1] = UInt8(ascii: "Y"); bytes[2] = UInt8(ascii: "L"); bytes[3] = UInt8(ascii: "L")
        bytes[4] = sparse
        let length = registerCount - 1
        bytes[headerSize] = UInt8(length >> 8) | 0x40
        bytes[headerSize + 1] = UInt8(length & 0xFF)
        return bytes
    }

    /// isHLLObjectOrReply's checks: magic, a known encoding, and a dense value's exact size.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= headerSize, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "Y"),
              bytes[2] == UInt8(ascii: "L"), bytes[3] == UInt8(ascii: "L"), bytes[4] <= sparse else { return false }
        return bytes[4] != dense || bytes.count == denseSize
    }

    // MARK: hashing

    /// MurmurHash64A with Redis's seed, over the element's bytes read little-endian.
    public static func hash(_ data: UnsafeRawBufferPointer) -> UInt64 {
        let m: UInt64 = 0xc6a4_a793_5bd1_e995
        let r: UInt64 = 47
        let length = data.count
        var h: UInt64 = 0xadc8_3b19 ^ (UInt64(truncatingIfNeeded: Int32(truncatingIfNeeded: length)) &* m)
        var index = 0
        while index + 8 <= length {
            var k = UInt64(littleEndian: data.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            k = k &* m
            k ^= k >> r
            k = k &* m
            h ^= k
            h = h &* m
            index += 8
        }
        let rest = length & 7
        if rest > 0 {
            for offset in stride(from: rest - 1, through: 0, by: -1) {
                h ^= UInt64(data[index + offset]) << (8 * UInt64(offset))
            }
            h = h &* m
        }
        h ^= h >> r
        h = h &* m
        h ^= h >> r
        return h
    }

    /// hllPatLen: the register an element goes to, and the length of its hash's 0...01 run.
    public static func registerAndCount(_ element: UnsafeRawBufferPointer) -> (register: Int, count: UInt8) {
        var value = hash(element)
        let register = Int(value & UInt64(registerCount - 1))
        value >>= UInt64(precision)
        value |= 1 << UInt64(q)
        return (register, UInt8(value.trailingZeroBitCount + 1))
    }

    // MARK: dense registers

    @inline(__always)
    public static func denseRegister(_ registers: UnsafeRawBufferPointer, _ index: Int) -> UInt8 {
        let byte = index * registerBits / 8
        let shift = UInt16(index * registerBits & 7)
        let low = UInt16(registers[byte])
        let high = byte + 1 < registers.count ? UInt16(registers[byte + 1]) : 0
        return UInt8(truncatingIfNeeded: (low >> shift) | (high << (8 - shift))) & registerMax
    }

    @inline(__always)
    public static func setDenseRegister(_ registers: UnsafeMutableRawBufferPointer, _ index: Int, _ value: UInt8) {
        let byte = index * registerBits / 8
        let shift = UInt16(index * registerBits & 7)
        let v = UInt16(value)
        registers[byte] = UInt8(truncatingIfNeeded: (UInt16(registers[byte]) & ~(UInt16(registerMax) << shift)) | (v << shift))
        if byte + 1 < registers.count {
            let highShift = 8 - shift
            registers[byte + 1] = UInt8(truncatingIfNeeded: (UInt16(registers[byte + 1]) & ~(UInt16(registerMax) >> highShift))
                                        | (v >> highShift))
        }
    }

    /// hllDenseSet: raises register `index` to `count`; whether it changed.
    public static func denseSet(_ registers: UnsafeMutableRawBufferPointer, _ index: Int, _ count: UInt8) -> Bool {
        if count > denseRegister(UnsafeRawBufferPointer(registers), index) {
            setDenseRegister(registers, index, count)
            return true
        }
        return false
    }

    // MARK: sparse

    /// One sparse opcode at `p`: its kind, how many registers it covers, its width in bytes.
    @inline(__always)
    static func opcode(_ bytes: UnsafeRawBufferPointer, _ p: Int) -> (isValue: Bool, value: Int, span: Int, width: Int) {
        let byte = bytes[p]
        if byte & 0xC0 == 0 { return (false, 0, Int(byte & 0x3F) + 1, 1) }
        if byte & 0xC0 == 0x40 {
            let high = Int(byte & 0x3F) << 8
            let low = p + 1 < bytes.count ? Int(bytes[p + 1]) : 0
            return (false, 0, (high | low) + 1, 2)
        }
        return (true, Int((byte >> 2) & 0x1F) + 1, Int(byte & 3) + 1, 1)
    }

    static func valueOpcode(_ value: Int, _ length: Int) -> UInt8 {
        UInt8((value - 1) << 2 | (length - 1)) | 0x80
    }

    static func appendZeros(_ count: Int, to out: inout [UInt8]) {
        if count > sparseZeroMaxLength {
            out.append(UInt8((count - 1) >> 8) | 0x40)
            out.append(UInt8((count - 1) & 0xFF))
        } else {
            out.append(UInt8(count - 1))
        }
    }

    /// Calls `body(index, value)` for each run of nonzero registers of a sparse value; false when
    /// the opcodes don't cover exactly 16384 registers.
    static func forEachSparseRun(_ bytes: UnsafeRawBufferPointer, _ body: (Int, Int, Int) -> Void) -> Bool {
        var p = headerSize
        var index = 0
        while p < bytes.count {
            let op = opcode(bytes, p)
            if op.isValue {
                if index + op.span > registerCount { return false }
                body(index, op.span, op.value)
            }
            index += op.span
            p += op.width
        }
        return index == registerCount
    }

    /// hllSparseToDense: the dense form of a sparse value (the header copied, encoding changed);
    /// nil when the sparse value is corrupt.
    public static func toDense(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: denseSize)
        for index in 0..<headerSize { out[index] = bytes[index] }
        out[4] = dense
        let valid = out.withUnsafeMutableBytes { raw -> Bool in
            let registers = UnsafeMutableRawBufferPointer(rebasing: raw[headerSize...])
            return forEachSparseRun(bytes) { first, span, value in
                for index in first..<(first + span) { setDenseRegister(registers, index, UInt8(value)) }
            }
        }
        return valid ? out : nil
    }

    /// What hllSparseSet did.
    public enum SparseUpdate {
        case unchanged
        case updated
        /// The value must become dense first (a count over 32, or the sparse form would pass
        /// hll-sparse-max-bytes).
        case promote
        case corrupt
    }

    /// hllSparseSet: raises register `index` to `count` in a sparse value, splitting and then
    /// re-merging opcodes exactly as Redis does.
    public static func sparseSet(_ bytes: inout [UInt8], _ index: Int, _ count: UInt8, maxBytes: Int) -> SparseUpdate {
        if Int(count) > sparseValueMax { return .promote }
        var p = headerSize
        var first = 0
        var previous: Int?
        var op = (isValue: false, value: 0, span: 0, width: 1)
        let found = bytes.withUnsafeBytes { raw -> Bool in
            while p < raw.count {
                op = opcode(raw, p)
                if index <= first + op.span - 1 { return true }
                previous = p
                p += op.width
                first += op.span
            }
            return false
        }
        if !found || op.span == 0 { return .corrupt }
        let isXZero = !op.isValue && op.width == 2
        let runLength = op.span

        var replaced = false
        if op.isValue {
            if op.value >= Int(count) { return .unchanged }
            if runLength == 1 {
                bytes[p] = valueOpcode(Int(count), 1)
                replaced = true
            }
        } else if !isXZero && runLength == 1 {
            bytes[p] = valueOpcode(Int(count), 1)
            replaced = true
        }
        if !replaced {
            var sequence: [UInt8] = []
            let last = first + op.span - 1
            if !op.isValue {
                if index != first { appendZeros(index - first, to: &sequence) }
                sequence.append(valueOpcode(Int(count), 1))
                if index != last { appendZeros(last - index, to: &sequence) }
            } else {
                if index != first { sequence.append(valueOpcode(op.value, index - first)) }
                sequence.append(valueOpcode(Int(count), 1))
                if index != last { sequence.append(valueOpcode(op.value, last - index)) }
            }
            let delta = sequence.count - op.width
            if delta > 0 && bytes.count + delta > maxBytes { return .promote }
            bytes.replaceSubrange(p..<(p + op.width), with: sequence)
        }

        // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from `previous`.
        var q = previous ?? headerSize
        var scan = 5
        while q < bytes.count && scan > 0 {
            scan -= 1
            let byte = bytes[q]
            if byte & 0xC0 == 0x40 { q += 2; continue }
            if byte & 0xC0 == 0 { q += 1; continue }
            if q + 1 < bytes.count && bytes[q + 1] & 0x80 != 0 {
                let v1 = Int((byte >> 2) & 0x1F) + 1
                let v2 = Int((bytes[q + 1] >> 2) & 0x1F) + 1
                if v1 == v2 {
                    let length = Int(byte & 3) + 1 + Int(bytes[q + 1] & 3) + 1
                    if length <= sparseValueMaxLength {
                        bytes[q + 1] = valueOpcode(v1, length)
                        bytes.remove(at: q)
                        continue
                    }
                }
            }
            q += 1
        }
        invalidateCache(&bytes)
        return .updated
    }

    // MARK: cardinality

    public static func invalidateCache(_ bytes: inout [UInt8]) { bytes[15] |= 0x80 }

    public static func cachedCardinality(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        if bytes[15] & 0x80 != 0 { return nil }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[8 + index]) << (8 * UInt64(index)) }
        return value
    }

    public static func storeCardinality(_ bytes: UnsafeMutableRawBufferPointer, _ value: UInt64) {
        for index in 0..<8 { bytes[8 + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    /// hllMerge: raises `registers` (one byte each) to the value's registers; false when corrupt.
    public static func merge(_ bytes: UnsafeRawBufferPointer, into registers: inout [UInt8]) -> Bool {
        if bytes[4] == dense {
            let dense = UnsafeRawBufferPointer(rebasing: bytes[headerSize...])
            for index in 0..<registerCount {
                let value = denseRegister(dense, index)
                if value > registers[index] { registers[index] = value }
            }
            return true
        }
        return forEachSparseRun(bytes) { first, span, value in
            for index in first..<(first + span) where UInt8(value) > registers[index] { registers[index] = UInt8(value) }
        }
    }

    /// The register histogram of a value; nil when a sparse value is corrupt.
    public static func histogram(_ bytes: UnsafeRawBufferPointer) -> [Int]? {
        var histogram = [Int](repeating: 0, count: 64)
        if bytes[4] == dense {
            let registers = UnsafeRawBufferPointer(rebasing: bytes[headerSize...])
            for index in 0..<registerCount { histogram[Int(denseRegister(registers, index))] += 1 }
            return histogram
        }
        var p = headerSize
        var index = 0
        while p < bytes.count {
            let op = opcode(bytes, p)
            histogram[op.isValue ? op.value : 0] += op.span
            index += op.span
            p += op.width
        }
        return index == registerCount ? histogram : nil
    }

    public static func histogram(rawRegisters registers: [UInt8]) -> [Int] {
        var histogram = [Int](repeating: 0, count: 64)
        for value in registers { histogram[Int(value)] += 1 }
        return histogram
    }

    /// hllCount's estimator (Ertl's improved raw estimate, as Redis 5+ uses).
    public static func estimate(_ histogram: [Int]) -> UInt64 {
        let m = Double(registerCount)
        var z = m * tau((m - Double(histogram[q + 1])) / m)
        for j in stride(from: q, through: 1, by: -1) {
            z += Double(histogram[j])
            z *= 0.5
        }
        z += m * sigma(Double(histogram[0]) / m)
        let alphaInfinity = 0.721347520444481703680
        return UInt64((alphaInfinity * m * m / z).rounded())
    }

    static func sigma(_ start: Double) -> Double {
        if start == 1 { return .infinity }
        var x = start
        var y = 1.0
        var z = x
        var previous: Double
        repeat {
            x *= x
            previous = z
            z += x * y
            y += y
        } while previous != z
        return z
    }

    static func tau(_ start: Double) -> Double {
        if start == 0 || start == 1 { return 0 }
        var x = start
        var y = 1.0
        var z = 1 - x
        var previous: Double
        repeat {
            x = x.squareRoot()
            previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
        } while previous != z
        return z / 3
    }
}
