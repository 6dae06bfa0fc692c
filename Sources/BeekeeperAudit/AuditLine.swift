import BeekeeperCore

/// One record line: `{"seq":N,"ts":"…","type":"…",<fields>,"chain":"<64 hex>"}` and a newline.
struct AuditLine {
    static let chainMarker: [UInt8] = Array(#","chain":""#.utf8)
    /// `,"chain":"` + 64 hex + `"}`.
    static let suffixCount = chainMarker.count + 64 + 2

    var seq: UInt64
    var ts: String
    var type: String
    var chain: String
    /// The parsed line (the whole object, `chain` included).
    var value: JSONValue
    /// Length of P, the bytes before `,"chain":"`.
    var prefixCount: Int

    /// Builds P for a record. Members are written in order; the keys `seq`, `ts`, `type` and
    /// `chain` are the log's own and must not appear in `fields` (checked by the caller).
    static func prefix(seq: UInt64, ts: String, type: String, fields: [JSONValue.Member]) -> String {
        var text = "{\"seq\":"
        text += String(seq)
        text += ",\"ts\":"
        JSONValue.writeString(ts, to: &text)
        text += ",\"type\":"
        JSONValue.writeString(type, to: &text)
        for member in fields {
            text += ","
            JSONValue.writeString(member.key, to: &text)
            text += ":"
            member.value.write(to: &text)
        }
        return text
    }

    /// P ‖ `,"chain":"<chain>"}` ‖ newline.
    static func bytes(prefix: String, chain: String) -> [UInt8] {
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + suffixCount + 1)
        bytes.append(contentsOf: chainMarker)
        bytes.append(contentsOf: chain.utf8)
        bytes.append(contentsOf: [34, 125, 10])
        return bytes
    }

    enum ParseFailure: Error, Equatable {
        case malformed(String)
    }

    /// Parses one line (without its newline) and checks its shape: an object whose members
    /// start with `seq`, `ts`, `type` and end with `chain`, serialized exactly as the log
    /// writes it at the end, so that P is well defined.
    static func parse(_ line: ArraySlice<UInt8>) -> Result<AuditLine, ParseFailure> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(line, maxDepth: 64)
        } catch {
            return .failure(.malformed("malformed JSON (\(error))"))
        }
        guard case .object(let members) = value else { return .failure(.malformed("not a JSON object")) }
        guard members.count >= 4, members[0].key == "seq", members[1].key == "ts", members[2].key == "type",
            members[members.count - 1].key == "chain"
        else { return .failure(.malformed("members must start with seq, ts, type and end with chain")) }
        guard case .number(let seqText) = members[0].value, let seq = UInt64(seqText), seq > 0 else {
            return .failure(.malformed("seq is not a positive integer"))
        }
        guard let ts = members[1].value.stringValue else { return .failure(.malformed("ts is not a string")) }
        guard let type = members[2].value.stringValue else { return .failure(.malformed("type is not a string")) }
        guard let chain = members[members.count - 1].value.stringValue, chain.utf8.count == 64,
            chain.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
        else { return .failure(.malformed("chain is not 64 lower-case hex characters")) }
        // The chain member must be the literal last bytes, with nothing between it and `}`.
        let count = line.count
        guard count > suffixCount,
            line[line.startIndex + count - suffixCount..<line.startIndex + count - suffixCount + chainMarker.count]
                .elementsEqual(chainMarker),
            line[line.endIndex - 2] == 34, line[line.endIndex - 1] == 125
        else { return .failure(.malformed("line does not end with ,\"chain\":\"<64 hex>\"}")) }
        return .success(
            AuditLine(seq: seq, ts: ts, type: type, chain: chain, value: value, prefixCount: count - suffixCount))
    }

    /// The seq of a line that starts `{"seq":<digits>,`, without parsing the rest; nil otherwise.
    static func leadingSeq(_ line: [UInt8]) -> UInt64? {
        let prefix: [UInt8] = Array(#"{"seq":"#.utf8)
        guard line.count > prefix.count, line.starts(with: prefix) else { return nil }
        var value: UInt64 = 0
        var index = prefix.count
        while index < line.count, line[index] >= 48, line[index] <= 57 {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = times + UInt64(line[index] - 48)
            index += 1
        }
        return index > prefix.count && index < line.count && line[index] == 44 ? value : nil
    }
}
