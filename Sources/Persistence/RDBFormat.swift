// Redis's RDB format (rdb.h, Redis 7.0): the version Apus writes, the opcodes and the object
// type bytes. The encoder and decoder of this target read them from here.

public enum RDBFormat {
    /// Redis 7.0 writes RDB version 10; versions 1 to 12 load.
    public static let writtenVersion = 10
    public static let newestLoadableVersion = 12
}
