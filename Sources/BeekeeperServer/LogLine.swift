import BeekeeperCore
import Foundation
import Logging

/// The two line formats of `log.format`.
enum LogLine {
    /// `<ts> <level> <label> : key=value key=value [<source>] <message>`: swift-log's stream layout,
    /// with newlines escaped as `\n`.
    static func text(timestamp: String, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, source: String) -> String {
        var line = "\(timestamp) \(level) \(label) :"
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(escaped("\(value)"))"
        }
        line += " [\(source)] \(escaped(message))"
        return line
    }

    /// `{"ts":…,"level":…,"msg":…, <metadata as members>}`. JSON escapes every control character.
    /// A metadata key that repeats one of the fixed members is prefixed with `meta.`.
    static func json(timestamp: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var members: [JSONValue.Member] = [.init("ts", .string(timestamp)), .init("level", .string(level.rawValue)), .init("msg", .string(message))]
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let name = ["ts", "level", "msg"].contains(key) ? "meta." + key : key
            members.append(.init(name, json(value)))
        }
        return JSONValue.object(members).serialized()
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): return .string(text)
        case .stringConvertible(let convertible): return .string(convertible.description)
        case .array(let items): return .array(items.map(json))
        case .dictionary(let entries): return .object(entries.sorted { $0.key < $1.key }.map { .init($0.key, json($0.value)) })
        }
    }

    static func escaped(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\\r\\n").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
    }
}
