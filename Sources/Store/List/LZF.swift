// LZF, the byte-oriented LZ77 variant Redis uses to compress interior quicklist nodes
// (list-compress-depth) and long RDB strings (rdbcompression). The stream is a sequence of literal runs (control byte 0..31: that many
// bytes + 1 follow) and back references (length-2 in the top three bits, 7 meaning one more length
// byte; 13-bit distance-1). The encoder is liblzf's, step for step, because
// DUMP payloads and RDB files must match Redis's byte for byte.

public enum LZF {
    static let maxLiteral = 32
    static let maxOffset = 1 << 13
    static let maxReference = (1 << 8) + (1 << 3)
    static let hashLog = 16

    /// Compressed bytes, or nil when compression would not make the input smaller.
    public static func compress(_ input: [UInt8]) -> [UInt8]? {
        compress(input, limit: input.count)
    }

    /// liblzf's lzf_compress as Redis builds it (HLOG 16, VERY_FAST), so quicklist nodes and RDB
    /// strings compress to Redis's exact bytes; nil when the output would exceed `limit` bytes.
    public static func compress(_ input: [UInt8], limit: Int) -> [UInt8]? {
        let count = input.count
        if count == 0 || limit <= 0 { return nil }
        return input.withUnsafeBufferPointer { source -> [UInt8]? in
            let ip0 = source.baseAddress!
            var output = [UInt8](repeating: 0, count: limit + 3)
            let produced: Int = output.withUnsafeMutableBufferPointer { out -> Int in
                let op0 = out.baseAddress!
                let table = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << hashLog)
                table.initialize(repeating: 0, count: 1 << hashLog)
                defer { table.deallocate() }
                @inline(__always) func index(_ h: UInt32) -> Int {
                    Int((h >> UInt32(24 - hashLog)) &- h &* 5) & ((1 << hashLog) - 1)
                }
                var ip = 0
                var op = 1
                var lit = 0
                let outEnd = limit
                var hval = UInt32(ip0[0]) << 8 | (count > 1 ? UInt32(ip0[1]) : 0)
                while ip < count - 2 {
                    hval = (hval << 8) | UInt32(ip0[ip + 2])
                    let slot = index(hval)
                    let ref = Int(table[slot])
                    table[slot] = Int32(ip)
                    let off = ip - ref - 1
                    if off >= 0 && off < maxOffset && ref > 0
                        && ip0[ref + 2] == ip0[ip + 2] && ip0[ref] == ip0[ip] && ip0[ref + 1] == ip0[ip + 1] {
                        var len = 2
                        var maxlen = count - ip - len
                        if maxlen > maxReference { maxlen = maxReference }
                        if op + 3 + 1 >= outEnd && op - (lit == 0 ? 1 : 0) + 3 + 1 >= outEnd { return 0 }
                        op0[op - lit - 1] = UInt8(truncatingIfNeeded: lit - 1)
                        if lit == 0 { op -= 1 }
                        unrolled: if maxlen > 16 {
                            for _ in 0..<16 {
                                len += 1
                                if ip0[ref + len] != ip0[ip + len] { break unrolled }
                            }
                            repeat { len += 1 } while len < maxlen && ip0[ref + len] == ip0[ip + len]
                        } else {
                            repeat { len += 1 } while len < maxlen && ip0[ref + len] == ip0[ip + len]
                        }
                        len -= 2
                        ip += 1
                        if len < 7 {
                            op0[op] = UInt8(truncatingIfNeeded: (off >> 8) + (len << 5)); op += 1
                        } else {
                            op0[op] = UInt8(truncatingIfNeeded: (off >> 8) + (7 << 5)); op += 1
                            op0[op] = UInt8(truncatingIfNeeded: len - 7); op += 1
                        }
                        op0[op] = UInt8(truncatingIfNeeded: off); op += 1
                        lit = 0; op += 1
                        ip += len + 1
                        if ip >= count - 2 { break }
                        ip -= 2
                        hval = UInt32(ip0[ip]) << 8 | UInt32(ip0[ip + 1])
                        hval = (hval << 8) | UInt32(ip0[ip + 2])
                        table[index(hval)] = Int32(ip)
                        ip += 1
                        hval = (hval << 8) | UInt32(ip0[ip + 2])
                        table[index(hval)] = Int32(ip)
                        ip += 1
                    } else {
                        if op >= outEnd { return 0 }
                        lit += 1; op0[op] = ip0[ip]; op += 1; ip += 1
                        if lit == maxLiteral {
                            op0[op - lit - 1] = UInt8(lit - 1)
                            lit = 0; op += 1
                        }
                    }
                }
                if op + 3 > outEnd { return 0 }
                while ip < count {
                    lit += 1; op0[op] = ip0[ip]; op += 1; ip += 1
                    if lit == maxLiteral {
                        op0[op - lit - 1] = UInt8(lit - 1)
                        lit = 0; op += 1
                    }
                }
                op0[op - lit - 1] = UInt8(truncatingIfNeeded: lit - 1)
                if lit == 0 { op -= 1 }
                return op
            }
            guard produced > 0 && produced <= limit else { return nil }
            output.removeSubrange(produced...)
            return output
        }
    }

    /// The original bytes of `input`, which decompress to exactly `size` bytes; nil if corrupt.
    public static func decompress(_ input: [UInt8], size: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(size)
        var index = 0
        while index < input.count {
            let control = Int(input[index])
            index += 1
            if control < maxLiteral {
                let run = control + 1
                guard index + run <= input.count else { return nil }
                output.append(contentsOf: input[index..<(index + run)])
                index += run
            } else {
                var length = control >> 5
                if length == 7 {
                    guard index < input.count else { return nil }
                    length += Int(input[index])
                    index += 1
                }
                guard index < input.count else { return nil }
                let distance = ((control & 0x1F) << 8 | Int(input[index])) + 1
                index += 1
                var from = output.count - distance
                guard from >= 0 else { return nil }
                for _ in 0..<(length + 2) {
                    output.append(output[from])
                    from += 1
                }
            }
        }
        return output.count == size ? output : nil
    }
}
