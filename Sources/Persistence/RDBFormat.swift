// Redis's RDB format (rdb.h, Redis 7.0): the version Apus writes, the opcodes and the object
// type bytes. The encoder and decoder of this target read them from here.

public enum RDBFormat {
    /// Redis 7.0 writes RDB version 10; versions 1 to 12 load.
    public static let writtenVersion = 10
    public static let newestLoadableVersion = 12
    public static let redisVersion = "7.0.15"

    // Opcodes.
    public static let opFunction2: UInt8 = 245
    public static let opFunction: UInt8 = 246
    public static let opModuleAux: UInt8 = 247
    public static let opIdle: UInt8 = 248
    public static let opFreq: UInt8 = 249
    public static let opAux: UInt8 = 250
    public static let opResizeDB: UInt8 = 251
    public static let opExpireTimeMS: UInt8 = 252
    public static let opExpireTime: UInt8 = 253
    public static let opSelectDB: UInt8 = 254
    public static let opEOF: UInt8 = 255

    // Object types.
    public static let typeString: UInt8 = 0
    public static let typeList: UInt8 = 1
    public static let typeSet: UInt8 = 2
    public static let typeZSet: UInt8 = 3
    public static let typeHash: UInt8 = 4
    public static let typeZSet2: UInt8 = 5
    public static let typeModule: UInt8 = 6
    public static let typeModule2: UInt8 = 7
    public static let typeHashZipmap: UInt8 = 9
    public static let typeListZiplist: UInt8 = 10
    public static let typeSetIntset: UInt8 = 11
    public static let typeZSetZiplist: UInt8 = 12
    public static let typeHashZiplist: UInt8 = 13
    public static let typeListQuicklist: UInt8 = 14
    public static let typeStreamListpacks: UInt8 = 15
    public static let typeHashListpack: UInt8 = 16
    public static let typeZSetListpack: UInt8 = 17
    public static let typeListQuicklist2: UInt8 = 18
    public static let typeStreamListpacks2: UInt8 = 19
    public static let typeSetListpack: UInt8 = 20
    public static let typeStreamListpacks3: UInt8 = 21

    // Length / string encodings (the top two bits of a length byte).
    static let len6Bit: UInt8 = 0
    static let len14Bit: UInt8 = 1
    static let len32Bit: UInt8 = 0x80
    static let len64Bit: UInt8 = 0x81
    static let encodedValue: UInt8 = 3
    static let encInt8: UInt8 = 0
    static let encInt16: UInt8 = 1
    static let encInt32: UInt8 = 2
    static let encLZF: UInt8 = 3

    // Quicklist node containers.
    static let containerPlain = 1
    static let containerPacked = 2
}
