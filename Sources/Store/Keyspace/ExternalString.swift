import CMemory
import Glibc

// A string too big to live inside its record: one malloc'd buffer holding its length, its
// capacity and the bytes, like Redis's sds. APPEND and SETRANGE grow it in place with spare room
// (sdsMakeRoomFor), so the record that points to it never moves for them.

public enum ExternalString {
    @usableFromInline static let headerSize = 8

    @inlinable
    static func make(_ bytes: UnsafeRawBufferPointer, capacity: Int) -> UnsafeMutableRawPointer {
        let capacity = Swift.max(capacity, bytes.count)
        let buffer = malloc(headerSize + capacity)!
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: bytes.count), as: UInt32.self)
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: capacity), toByteOffset: 4, as: UInt32.self)
        if let source = bytes.baseAddress, bytes.count > 0 {
            (buffer + headerSize).copyMemory(from: source, byteCount: bytes.count)
        }
        return buffer
    }

    @inlinable @inline(__always)
    static func length(_ buffer: UnsafeRawPointer) -> Int { Int(buffer.load(as: UInt32.self)) }

    @inlinable @inline(__always)
    static func capacity(_ buffer: UnsafeRawPointer) -> Int { Int(buffer.load(fromByteOffset: 4, as: UInt32.self)) }

    @inlinable @inline(__always)
    static func setLength(_ buffer: UnsafeMutableRawPointer, _ length: Int) {
        buffer.storeBytes(of: UInt32(truncatingIfNeeded: length), as: UInt32.self)
    }

    @inlinable @inline(__always)
    static func bytes(_ buffer: UnsafeRawPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer + headerSize, count: length(buffer))
    }

    /// Makes room for `needed` bytes, keeping the content: double while under 1 MB, then 1 MB
    /// more, as sdsMakeRoomFor. May move the buffer.
    @inlinable
    static func reserve(_ buffer: UnsafeMutableRawPointer, _ needed: Int) -> UnsafeMutableRawPointer {
        if needed <= capacity(buffer) { return buffer }
        let capacity = needed < 1024 * 1024 ? needed * 2 : needed + 1024 * 1024
        let grown = realloc(buffer, headerSize + capacity)!
        grown.storeBytes(of: UInt32(truncatingIfNeeded: capacity), toByteOffset: 4, as: UInt32.self)
        return grown
    }

    @inlinable
    static func free(_ buffer: UnsafeMutableRawPointer) { Glibc.free(buffer) }

    /// Bytes malloc really holds for the buffer (its usable size plus a chunk header).
    static func allocatedSize(_ buffer: UnsafeMutableRawPointer) -> Int {
        malloc_usable_size(buffer) + 8
    }
}
