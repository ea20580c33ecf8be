// Redis's crc64 (crc64.c): the Jones polynomial, reflected, initial value 0, no final xor. It
// closes every RDB file and DUMP payload; crc64("123456789") == 0xe9c6d914c4b8d9ca.

public enum CRC64 {
    static let reflectedPolynomial: UInt64 = 0x95AC_9329_AC4B_C9B5

    /// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes.
    static let tables: [[UInt64]] = {
        var first = [UInt64](repeating: 0, count: 256)
        for byte in 0..<256 {
            var crc = UInt64(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1 }
            first[byte] = crc
        }
        var all = [first]
        for k in 1..<8 {
            all.append((0..<256).map { byte in
                let previous = all[k - 1][byte]
                return first[Int(previous & 0xFF)] ^ (previous >> 8)
            })
        }
        return all
    }()

    public static func update(_ crc: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var crc = crc
        guard let base = bytes.baseAddress else { return crc }
        let t = tables
        var index = 0
        let count = bytes.count
        t[0].withUnsafeBufferPointer { t0 in
            t[1].withUnsafeBufferPointer { t1 in
                t[2].withUnsafeBufferPointer { t2 in
                    t[3].withUnsafeBufferPointer { t3 in
                        t[4].withUnsafeBufferPointer { t4 in
                            t[5].withUnsafeBufferPointer { t5 in
                                t[6].withUnsafeBufferPointer { t6 in
                                    t[7].withUnsafeBufferPointer { t7 in
                                        while index + 8 <= count {
                                            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) ^ crc
                                            crc = t7[Int(word & 0xFF)] ^ t6[Int((word >> 8) & 0xFF)]
                                                ^ t5[Int((word >> 16) & 0xFF)] ^ t4[Int((word >> 24) & 0xFF)]
                                                ^ t3[Int((word >> 32) & 0xFF)] ^ t2[Int((word >> 40) & 0xFF)]
                                                ^ t1[Int((word >> 48) & 0xFF)] ^ t0[Int(word >> 56)]
                                            index += 8
                                        }
                                        while index < count {
                                            crc = t0[Int((crc ^ UInt64(base.load(fromByteOffset: index, as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                                            index += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return crc
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { update(0, $0) }
    }
}
