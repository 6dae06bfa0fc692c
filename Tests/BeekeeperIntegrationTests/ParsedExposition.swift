import BeekeeperCore

/// A metrics exposition as prometheus_client parsed it (Tools/parse_metrics.py), for exact assertions.
struct ParsedExposition {
    struct Family: Equatable {
        var name: String
        var type: String
        var help: String
    }

    struct Sample: Equatable {
        var family: String
        var name: String
        var labels: [String: String]
        /// NaN and infinities arrive as strings from the script and become Double values here.
        var value: Double
    }

    var families: [Family]
    var samples: [Sample]

    init(json: JSONValue) throws {
        families = try (json["families"]?.arrayValue ?? []).map { family in
            guard let name = family["name"]?.stringValue, let type = family["type"]?.stringValue else {
                throw HarnessError("parse_metrics.py: a family without name or type: \(family.serialized())")
            }
            return Family(name: name, type: type, help: family["help"]?.stringValue ?? "")
        }
        samples = try (json["samples"]?.arrayValue ?? []).map { sample in
            guard let family = sample["family"]?.stringValue, let name = sample["name"]?.stringValue else {
                throw HarnessError("parse_metrics.py: a sample without name: \(sample.serialized())")
            }
            var labels: [String: String] = [:]
            for member in sample["labels"]?.objectValue ?? [] { labels[member.key] = member.value.stringValue ?? "" }
            let value: Double
            switch sample["value"] {
            case .string("NaN")?: value = .nan
            case .string("+Inf")?: value = .infinity
            case .string("-Inf")?: value = -.infinity
            case let number?:
                guard let double = number.doubleValue else { throw HarnessError("parse_metrics.py: bad value in \(sample.serialized())") }
                value = double
            case nil: throw HarnessError("parse_metrics.py: a sample without value: \(sample.serialized())")
            }
            return Sample(family: family, name: name, labels: labels, value: value)
        }
    }

    /// Samples called `name` whose labels include every pair of `labels`.
    func samples(_ name: String, matching labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The value of the one sample called `name` with exactly these labels, nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// The sum over samples called `name` whose labels include `labels`.
    func sum(_ name: String, matching labels: [String: String] = [:]) -> Double {
        samples(name, matching: labels).reduce(0) { $0 + $1.value }
    }

    /// Distinct values of `label` among samples called `name`.
    func labelValues(_ name: String, _ label: String) -> Set<String> {
        Set(samples(name).compactMap { $0.labels[label] })
    }
}
