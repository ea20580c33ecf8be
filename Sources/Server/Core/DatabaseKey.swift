/// A database and a key: where clients wait (blocking) or watch (WATCH).
struct DatabaseKey: Hashable {
    let db: Int
    let key: [UInt8]
}
