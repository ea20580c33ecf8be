import Testing
@testable import RESP

@Suite struct QueryBufferTests {
    private func contents(_ buffer: QueryBuffer) -> [UInt8] {
        Array(UnsafeBufferPointer(start: buffer.storage + buffer.readIndex, count: buffer.readableCount))
    }

    @Test func appendGrowsAndKeepsBytes() {
        let buffer = QueryBuffer(capacity: 8)
        buffer.append(bytes("0123456"))
        #expect(buffer.capacity == 8)
        buffer.append(bytes("789abcdefghij"))
        #expect(buffer.capacity == 32)
        #expect(buffer.readableCount == 20)
        #expect(contents(buffer) == bytes("0123456789abcdefghij"))
    }

    @Test func exactReserveGrowsToTheRoomAskedFor() {
        let buffer = QueryBuffer(capacity: 16)
        buffer.append(bytes("*1\r\n$100\r\n"))
        buffer.readIndex = buffer.writeIndex
        // The half-parsed command from offset 0 is kept, so nothing slides.
        #expect(buffer.reserve(minimumWritable: 102, keepingFrom: 0, exact: true) == 0)
        #expect(buffer.capacity == 10 + 102)
        // Without `exact` it doubles, as before.
        buffer.reserve(minimumWritable: 200, keepingFrom: 0)
        #expect(buffer.capacity == 224)
    }

    @Test func reserveWithRoomDoesNothing() {
        let buffer = QueryBuffer(capacity: 64)
        buffer.append(bytes("hello"))
        buffer.readIndex = 2
        #expect(buffer.reserve(minimumWritable: 59) == 0)
        #expect(buffer.readIndex == 2)
        #expect(contents(buffer) == bytes("llo"))
    }

    @Test func reserveSlidesUnreadBytesToTheFront() {
        let buffer = QueryBuffer(capacity: 16)
        buffer.append(bytes("abcdefghijklmn"))
        buffer.readIndex = 10
        let storage = buffer.storage
        #expect(buffer.reserve(minimumWritable: 8) == 10)
        #expect(buffer.storage == storage)
        #expect(buffer.capacity == 16)
        #expect(buffer.readIndex == 0)
        #expect(buffer.writeIndex == 4)
        #expect(contents(buffer) == bytes("klmn"))
    }

    @Test func reserveSlidesThenGrows() {
        let buffer = QueryBuffer(capacity: 16)
        buffer.append(bytes("abcdefghijklmn"))
        buffer.readIndex = 6
        #expect(buffer.reserve(minimumWritable: 40) == 6)
        #expect(buffer.capacity == 64)
        #expect(buffer.readIndex == 0)
        #expect(contents(buffer) == bytes("ghijklmn"))
        #expect(buffer.capacity - buffer.writeIndex >= 40)
    }

    @Test func reserveWithNothingConsumedGrowsOnly() {
        let buffer = QueryBuffer(capacity: 16)
        buffer.append(bytes("abcdefghijklmn"))
        #expect(buffer.reserve(minimumWritable: 3) == 0)
        #expect(buffer.capacity == 32)
        #expect(contents(buffer) == bytes("abcdefghijklmn"))
    }

    /// A half-parsed command's bytes before `readIndex` are kept when compacting.
    @Test func reserveKeepsBytesFromTheGivenStart() {
        let buffer = QueryBuffer(capacity: 16)
        buffer.append(bytes("abcdefghijklmn"))
        buffer.readIndex = 10
        #expect(buffer.reserve(minimumWritable: 8, keepingFrom: 6) == 6)
        #expect(buffer.readIndex == 4)
        #expect(buffer.writeIndex == 8)
        #expect(Array(UnsafeBufferPointer(start: buffer.storage, count: buffer.writeIndex)) == bytes("ghijklmn"))
        #expect(contents(buffer) == bytes("klmn"))
        // A start after readIndex cannot drop unread bytes.
        let other = QueryBuffer(capacity: 16)
        other.append(bytes("abcdefghijklmn"))
        other.readIndex = 4
        #expect(other.reserve(minimumWritable: 6, keepingFrom: 9) == 4)
        #expect(contents(other) == bytes("efghijklmn"))
        // Keeping from 0 moves nothing; the buffer grows instead.
        let pinned = QueryBuffer(capacity: 16)
        pinned.append(bytes("abcdefghijklmn"))
        pinned.readIndex = 12
        #expect(pinned.reserve(minimumWritable: 8, keepingFrom: 0) == 0)
        #expect(pinned.capacity == 32)
        #expect(pinned.readIndex == 12)
        #expect(Array(UnsafeBufferPointer(start: pinned.storage, count: pinned.writeIndex)) == bytes("abcdefghijklmn"))
    }

    @Test func everythingConsumedSlidesToNothing() {
        let buffer = QueryBuffer(capacity: 16)
        buffer.append(bytes("abcdefghijklmn"))
        buffer.readIndex = buffer.writeIndex
        #expect(buffer.reserve(minimumWritable: 10) == 14)
        #expect(buffer.readableCount == 0)
        #expect(buffer.writeIndex == 0)
        #expect(buffer.capacity == 16)
    }

    @Test func resetIfEmpty() {
        let buffer = QueryBuffer()
        #expect(buffer.capacity == QueryBuffer.standardCapacity)
        buffer.append(bytes("abc"))
        buffer.readIndex = 1
        buffer.resetIfEmpty()
        #expect(buffer.readIndex == 1)
        #expect(contents(buffer) == bytes("bc"))
        buffer.readIndex = 3
        buffer.resetIfEmpty()
        #expect(buffer.readIndex == 0)
        #expect(buffer.writeIndex == 0)
    }

    @Test func resetIfEmptyGivesBackABigBuffer() {
        let buffer = QueryBuffer()
        buffer.append([UInt8](repeating: 7, count: 5 * QueryBuffer.standardCapacity))
        #expect(buffer.capacity > 4 * QueryBuffer.standardCapacity)
        buffer.readIndex = buffer.writeIndex
        buffer.resetIfEmpty()
        #expect(buffer.capacity == QueryBuffer.standardCapacity)
        buffer.append(bytes("ok"))
        #expect(contents(buffer) == bytes("ok"))

        // Up to four times the standard size is kept.
        let kept = QueryBuffer()
        kept.append([UInt8](repeating: 7, count: 3 * QueryBuffer.standardCapacity))
        let capacity = kept.capacity
        kept.readIndex = kept.writeIndex
        kept.resetIfEmpty()
        #expect(kept.capacity == capacity)
    }
}
