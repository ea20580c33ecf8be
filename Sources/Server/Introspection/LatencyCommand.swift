import Glibc
import RESP

// LATENCY (latency.c): LATEST, HISTORY, RESET, GRAPH, DOCTOR, HISTOGRAM and HELP.

enum LatencyCommand {
    static let handlers: [String: CommandHandler] = [
        "latency|latest": latest, "latency|history": history, "latency|reset": reset, "latency|graph": graph,
        "latency|doctor": doctor, "latency|histogram": histogram, "latency|help": help,
    ]

    static func latest(_ c: Client) {
        let monitor = c.server.latency
        c.reply.arrayHeader(monitor.names.count)
        for name in monitor.names {
            let series = monitor.events[name]!
            c.reply.arrayHeader(4)
            c.reply.bulk(name)
            c.reply.integer(series.latest.time)
            c.reply.integer(series.latest.latency)
            c.reply.integer(series.max)
        }
    }

    static func history(_ c: Client) {
        guard let series = c.server.latency.events[c.argString(2)] else {
            c.reply.emptyArray()
            return
        }
        let samples = series.ordered
        c.reply.arrayHeader(samples.count)
        for sample in samples {
            c.reply.arrayHeader(2)
            c.reply.integer(sample.time)
            c.reply.integer(sample.latency)
        }
    }

    static func reset(_ c: Client) {
        let monitor = c.server.latency
        if c.argumentCount == 2 {
            c.reply.integer(monitor.reset(nil))
            return
        }
        var resets = 0
        for index in 2..<c.argumentCount { resets += monitor.reset(c.argString(index)) }
        c.reply.integer(resets)
    }

    static func graph(_ c: Client) {
        let event = c.argString(2)
        guard let series = c.server.latency.events[event] else {
            c.error("ERR No samples available for event '\(event)'")
            return
        }
        let now = Int64(time(nil))
        var values: [Int64] = []
        var labels: [String] = []
        for sample in series.ordered {
            values.append(sample.latency)
            let elapsed = now - sample.time
            if elapsed < 60 { labels.append("\(elapsed)s") }
            else if elapsed < 3600 { labels.append("\(elapsed / 60)m") }
            else if elapsed < 86400 { labels.append("\(elapsed / 3600)h") }
            else { labels.append("\(elapsed / 86400)d") }
        }
        var text = "\(event) - high \(values.max() ?? 0) ms, low \(values.min() ?? 0) ms (all time high \(series.max) ms)\n"
        text += String(repeating: "-", count: 80) + "\n"
        text += Sparkline.render(values.map(Double.init), labels: labels, columns: 80, rows: 4)
        c.reply.verbatim(text, format: "txt")
    }

    static func doctor(_ c: Client) {
        c.reply.verbatim(LatencyDoctor.report(c.server), format: "txt")
    }

    /// LATENCY HISTOGRAM [command ...]: each command's calls and cumulative latency buckets (µs,
    /// doubling from 1 µs), for the commands that have been called.
    static func histogram(_ c: Client) {
        let table = c.server.commandTable
        var commands: [Command] = []
        if c.argumentCount == 2 {
            for command in table.commands {
                if command.subcommands.isEmpty {
                    if command.stats.latency != nil { commands.append(command) }
                } else {
                    for name in command.subcommands.keys.sorted() {
                        if let sub = command.subcommands[name], sub.stats.latency != nil { commands.append(sub) }
                    }
                }
            }
        } else {
            for index in 2..<c.argumentCount {
                guard let command = table.lookup(fullName: c.argString(index).lowercased()) else { continue }
                if command.subcommands.isEmpty {
                    if command.stats.latency != nil { commands.append(command) }
                } else {
                    for name in command.subcommands.keys.sorted() {
                        if let sub = command.subcommands[name], sub.stats.latency != nil { commands.append(sub) }
                    }
                }
            }
        }
        c.reply.mapHeader(commands.count)
        for command in commands {
            c.reply.bulk(command.fullName)
            let histogram = command.stats.latency!.histogram
            c.reply.mapHeader(2)
            c.reply.bulk("calls" as StaticString)
            c.reply.integer(Int64(histogram.totalCount))
            c.reply.bulk("histogram_usec" as StaticString)
            var buckets: [(Int64, Int64)] = []
            var cumulative: Int64 = 0
            for step in histogram.logarithmicBucketValues(valueUnitsInFirstBucket: 1024, logBase: 2) {
                let previous = cumulative
                cumulative += Int64(step.count)
                if cumulative > previous { buckets.append((Int64(step.value / 1000), cumulative)) }
            }
            c.reply.mapHeader(buckets.count)
            for (micros, count) in buckets {
                c.reply.integer(micros)
                c.reply.integer(count)
            }
        }
    }

    static func help(_ c: Client) { ObjectCommand.replyHelp(c, HelpText.latency) }
}

/// sparkline.c's renderer with SPARKLINE_FILL, as LATENCY GRAPH draws: `rows` rows of `_o#`
/// (and `|` below a filled column), a blank line, then each sample's label written downwards.
enum Sparkline {
    static func render(_ values: [Double], labels: [String], columns: Int, rows: Int) -> String {
        var output = ""
        var start = 0
        while start < values.count {
            let length = min(columns, values.count - start)
            if start != 0 { output += "\n" }
            output += renderRange(values, labels: labels, offset: start, length: length, rows: rows)
            start += columns
        }
        return output
    }

    private static func renderRange(_ values: [Double], labels: [String], offset: Int, length: Int, rows: Int) -> String {
        let charset: [Character] = ["_", "o", "#"]
        let minimum = values.min() ?? 0
        var relativeMax = (values.max() ?? 0) - minimum
        if relativeMax == 0 { relativeMax = 1 }
        let steps = charset.count * rows
        let hasLabels = labels.contains { !$0.isEmpty }
        var output = ""
        var row = 0
        while true {
            var line = [Character](repeating: " ", count: length)
            var more = false
            for column in 0..<length {
                let sample = values[offset + column]
                var step = Int(Double(Int((sample - minimum) * Double(steps))) / relativeMax)
                if step < 0 { step = 0 }
                if step >= steps { step = steps - 1 }
                if row < rows {
                    let index = step - (rows - row - 1) * charset.count
                    more = true
                    if index >= 0 && index < charset.count {
                        line[column] = charset[index]
                    } else if index >= charset.count {
                        line[column] = "|"
                    }
                } else {
                    if hasLabels && row - rows < 1 {
                        more = true
                        break
                    }
                    let label = Array(labels[offset + column])
                    let position = row - rows - 1
                    if label.count > position {
                        more = true
                        line[column] = label[position]
                    }
                }
            }
            if !more { break }
            row += 1
            output += String(line) + "\n"
        }
        return output
    }
}
