import Testing
@testable import Persistence

@Suite struct RDBFormatTests {
    @Test func writesRedis70sVersion() {
        #expect(RDBFormat.writtenVersion == 10)
    }
}
