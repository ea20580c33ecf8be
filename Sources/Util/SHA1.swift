// SHA-1 (FIPS 180-1), for DEBUG DIGEST and DEBUG DIGEST-VALUE, which Redis computes with it.

public struct SHA1: MerkleDamgardHash {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    var buffer = [UInt8](repeating: 0, count: 64)
    var buffered = 0
    var totalBytes: UInt64 = 0

    public init() {}

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var sha = SHA1()
        sha.update(bytes)
        return sha.finish()
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { hash($0) } }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { absorb(bytes) }

    public mutating func finish() -> [UInt8] {
        pad()
        return Self.bigEndianBytes([state.0, state.1, state.2, state.3, state.4])
    }

    mutating func processBlock() {
        var w = [UInt32](repeating: 0, count: 80)
        for i in 0..<16 {
            w[i] = blockWord(i)
        }
        for i in 16..<80 {
            let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
            w[i] = (x << 1) | (x >> 31)
        }
        var (a, b, c, d, e) = state
        for i in 0..<80 {
            let f: UInt32, k: UInt32
            switch i {
            case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
            case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
            case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
            default: f = b ^ c ^ d; k = 0xCA62_C1D6
            }
            let temp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[i]
            e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = temp
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
    }
}
