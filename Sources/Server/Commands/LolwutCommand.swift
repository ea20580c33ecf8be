import Glibc

// LOLWUT [VERSION v] [...] (lolwut.c, lolwut5.c, lolwut6.c): Redis 7.0's own version prints just
// the version; VERSION 5 draws Georg Nees's Schotter in Braille characters, VERSION 6 an 8-bit
// skyline in terminal colours, both random beyond their first rows, as Redis's.

enum LolwutCommand {
    static let handlers: [String: CommandHandler] = ["lolwut": lolwut]

    static var version: String { Server.redisVersion.description }

    static func lolwut(_ c: Client) {
        var first = 1
        var major: Int64?
        if c.argumentCount >= 3 && c.argIs(1, "version") {
            guard let given = c.integerArgument(2) else { return }
            major = Int64(UInt32(truncatingIfNeeded: given))
            first = 3
        }
        let options = (first..<c.argumentCount).map { $0 }
        switch major {
        case 5?: schotter(c, options)
        case 6?: skyline(c, options)
        default: c.reply.verbatim("Redis ver. \(version)\n", format: "txt")
        }
    }

    /// getLongFromObjectOrReply for the positional options, clamped to `range`.
    private static func option(_ c: Client, _ options: [Int], _ index: Int, default value: Int,
                               _ range: ClosedRange<Int>) -> Int?? {
        guard index < options.count else { return .some(value) }
        guard let given = c.integerArgument(options[index]) else { return .none }
        return .some(Int(min(max(given, Int64(range.lowerBound)), Int64(range.upperBound))))
    }

    // MARK: version 5

    private static func schotter(_ c: Client, _ options: [Int]) {
        guard let columns = option(c, options, 0, default: 66, 1...1000) ?? nil,
              let perRow = option(c, options, 1, default: 8, 1...200) ?? nil,
              let perColumn = option(c, options, 2, default: 12, 1...200) ?? nil else { return }
        let width = columns * 2
        let padding = width > 4 ? 2 : 0
        let side = Float(width - padding * 2) / Float(perRow)
        let height = Int(side * Float(perColumn)) + padding * 2
        var canvas = Canvas(width: width, height: height)
        for y in 0..<perColumn {
            for x in 0..<perRow {
                var sx = Int(Float(x) * side + side / 2 + Float(padding))
                var sy = Int(Float(y) * side + side / 2 + Float(padding))
                var angle: Float = 0
                if y > 1 {
                    var r1 = Float.random(in: 0...1) / Float(perColumn) * Float(y)
                    var r2 = Float.random(in: 0...1) / Float(perColumn) * Float(y)
                    var r3 = Float.random(in: 0...1) / Float(perColumn) * Float(y)
                    if Bool.random() { r1 = -r1 }
                    if Bool.random() { r2 = -r2 }
                    if Bool.random() { r3 = -r3 }
                    angle = r1
                    sx = Int(Float(sx) + r2 * side / 3)
                    sy = Int(Float(sy) + r3 * side / 3)
                }
                canvas.square(x: sx, y: sy, size: side, angle: angle)
            }
        }
        var text = canvas.braille()
        text += "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. \(version)\n"
        c.reply.verbatim(text, format: "txt")
    }

    // MARK: version 6

    private static func skyline(_ c: Client, _ options: [Int]) {
        guard let columns = option(c, options, 0, default: 80, 1...1000) ?? nil,
              let rows = option(c, options, 1, default: 20, 1...1000) ?? nil else { return }
        var canvas = Canvas(width: columns, height: rows, color: 3)
        for color in [2, 1] {
            var offset = -10
            while offset < columns {
                offset += Int.random(in: 0..<8)
                let width = 10 + Int.random(in: 0..<9)
                let height = color == 2 ? rows / 2 + Int.random(in: 0..<Int.max) % rows / 2
                                        : rows / 2 + Int.random(in: 0..<Int.max) % rows / 3
                canvas.skyscraper(x: offset, width: width, height: height, windows: false, color: color)
                offset += color == 2 ? width / 2 : width + 1
            }
        }
        var offset = -10
        while offset < columns {
            offset += Int.random(in: 0..<8)
            var width = 5 + Int.random(in: 0..<14)
            if width % 4 != 0 { width += width % 3 }
            let height = rows / 3 + Int.random(in: 0..<Int.max) % rows / 2
            canvas.skyscraper(x: offset, width: width, height: height, windows: true, color: 0)
            offset += width + 5
        }
        var text = ""
        for y in 0..<rows {
            for x in 0..<columns {
                let escape: String
                switch canvas.pixel(x, y) {
                case 1: escape = "0;90;100m"
                case 2: escape = "0;37;47m"
                case 3: escape = "0;97;107m"
                default: escape = "0;30;40m"
                }
                text += "\u{1B}[\(escape) \u{1B}[0m"
            }
            if y != rows - 1 { text += "\n" }
        }
        text += "\nDedicated to the 8 bit game developers of past and present.\n"
            + "Original 8 bit image from Plaguemon by hikikomori. Redis ver. \(version)\n"
        c.reply.verbatim(text, format: "txt")
    }
}

/// lolwut.c's canvas: a grid of small colour numbers, with Bresenham lines.
struct Canvas {
    let width: Int
    let height: Int
    private var pixels: [UInt8]

    init(width: Int, height: Int, color: UInt8 = 0) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: color, count: max(width * height, 0))
    }

    func pixel(_ x: Int, _ y: Int) -> UInt8 {
        if x < 0 || x >= width || y < 0 || y >= height { return 0 }
        return pixels[x + y * width]
    }

    mutating func draw(_ x: Int, _ y: Int, _ color: UInt8) {
        if x < 0 || x >= width || y < 0 || y >= height { return }
        pixels[x + y * width] = color
    }

    mutating func line(_ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int, _ color: UInt8) {
        var x = x1, y = y1
        let dx = abs(x2 - x1), dy = abs(y2 - y1)
        let sx = x1 < x2 ? 1 : -1, sy = y1 < y2 ? 1 : -1
        var error = dx - dy
        while true {
            draw(x, y, color)
            if x == x2 && y == y2 { break }
            let doubled = error * 2
            if doubled > -dy {
                error -= dy
                x += sx
            }
            if doubled < dx {
                error += dx
                y += sy
            }
        }
    }

    /// lwDrawSquare: a square of side `size` centred on x, y, turned by `angle` (drawn at 45°).
    mutating func square(x: Int, y: Int, size: Float, angle: Float) {
        let side = (size / 1.4142135623).rounded()
        var k = Float.pi / 4 + angle
        var px = [Int](repeating: 0, count: 4), py = [Int](repeating: 0, count: 4)
        for j in 0..<4 {
            px[j] = Int((sin(k) * side + Float(x)).rounded())
            py[j] = Int((cos(k) * side + Float(y)).rounded())
            k += Float.pi / 2
        }
        for j in 0..<4 { line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], 1) }
    }

    /// lolwut5's renderCanvas: 2×4 pixel groups as Braille characters.
    func braille() -> String {
        var text = ""
        var y = 0
        while y < height {
            var x = 0
            while x < width {
                var byte = 0
                if pixel(x, y) != 0 { byte |= 1 << 0 }
                if pixel(x, y + 1) != 0 { byte |= 1 << 1 }
                if pixel(x, y + 2) != 0 { byte |= 1 << 2 }
                if pixel(x + 1, y) != 0 { byte |= 1 << 3 }
                if pixel(x + 1, y + 1) != 0 { byte |= 1 << 4 }
                if pixel(x + 1, y + 2) != 0 { byte |= 1 << 5 }
                if pixel(x, y + 3) != 0 { byte |= 1 << 6 }
                if pixel(x + 1, y + 3) != 0 { byte |= 1 << 7 }
                text.unicodeScalars.append(Unicode.Scalar(0x2800 + UInt32(byte))!)
                x += 2
            }
            if y != height - 1 { text += "\n" }
            y += 4
        }
        return text
    }

    /// lolwut6's generateSkyscraper.
    mutating func skyscraper(x offset: Int, width buildingWidth: Int, height buildingHeight: Int, windows: Bool, color: Int) {
        let startY = height - 1
        let endY = startY - buildingHeight + 1
        var y = startY
        while y >= endY {
            for x in offset..<(offset + buildingWidth) {
                if y == endY && (x <= offset + 1 || x >= offset + buildingWidth - 2) { continue }
                var shade = UInt8(color)
                if windows && x > offset + 1 && x < offset + buildingWidth - 2 && y > endY + 1 && y < startY - 1 {
                    let relativeX = x - (offset + 1)
                    let relativeY = y - (endY + 1)
                    if (relativeX / 2) % 2 != 0 && relativeY % 2 != 0 {
                        repeat { shade = UInt8(1 + Int.random(in: 0...1)) } while shade == UInt8(color)
                        if relativeX % 2 != 0 { shade = pixel(x - 1, y) }
                    }
                }
                draw(x, y, shade)
            }
            y -= 1
        }
    }
}
