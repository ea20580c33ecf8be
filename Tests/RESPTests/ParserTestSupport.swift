@testable import RESP
import TestSupport

/// The bytes of a string literal, for building requests.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// What one `parse` run produced: the commands (arguments copied out) and how it stopped.
struct ParseRun {
    var commands: [[[UInt8]]] = []
    var outcome: ParseOutcome = .needMore
}

/// Copies the arguments of the command just parsed.
func arguments(_ parser: RequestParser, _ buffer: QueryBuffer) -> [[UInt8]] {
    (0..<parser.argumentCount).map { Array(parser.argument($0, in: buffer)) }
}

/// Parses until the parser needs more input or reports an error, as the server's input loop does
/// (copying each command's arguments out and calling `reset()` after it).
@discardableResult
func parseAvailable(_ parser: inout RequestParser, _ buffer: QueryBuffer, into run: inout ParseRun) -> ParseOutcome {
    while true {
        let outcome = parser.parse(buffer)
        run.outcome = outcome
        switch outcome {
        case .command:
            run.commands.append(arguments(parser, buffer))
            parser.reset()
        case .needMore, .protocolError:
            return outcome
        }
    }
}

/// Parses `input` in one go with a buffer large enough that nothing ever moves.
func parseWhole(_ input: [UInt8], limits: ParserLimits = ParserLimits()) -> ParseRun {
    let buffer = QueryBuffer(capacity: max(input.count, 16))
    buffer.append(input)
    var parser = RequestParser()
    parser.limits = limits
    var run = ParseRun()
    parseAvailable(&parser, buffer, into: &run)
    return run
}

/// Builds a multibulk request.
func multibulk(_ arguments: [[UInt8]]) -> [UInt8] {
    var out = bytes("*\(arguments.count)\r\n")
    for argument in arguments {
        out += bytes("$\(argument.count)\r\n")
        out += argument
        out += bytes("\r\n")
    }
    return out
}

func multibulk(_ arguments: String...) -> [UInt8] { multibulk(arguments.map(bytes)) }

