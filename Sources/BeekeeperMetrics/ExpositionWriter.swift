/// Writes families in the 0.0.4 text format or in OpenMetrics 1.0.0 text.
struct ExpositionWriter {
    let format: ExpositionFormat
    /// The output so far; `MetricsRegistry.render(_:into:)` swaps the caller's array in and out,
    /// so the exposition is appended to it without a copy.
    var bytes: [UInt8] = []

    init(format: ExpositionFormat) {
        self.format = format
    }

    mutating func write(_ family: RegisteredFamily, samples: [CollectedSample]) {
        writeHeader(family)
        for sample in Self.sortedUnique(samples, family: family) {
            write(sample, of: family)
        }
    }

    /// A stored counter or gauge family: series already in order, each with its whole
    /// `name{labels} ` prefix as bytes, so a line is one copy and a number, written through a
    /// pointer into room reserved a block of series at a time (BENCHMARKS.md 20).
    mutating func write<Handle: StoredNumber>(_ family: RegisteredFamily, series: OrderedSeries<Handle>) {
        writeHeader(family)
        // `series` owns every handle; kept alive here, its unretained handles can be read as they are.
        withExtendedLifetime(series) {
            series.unretainedHandles.withUnsafeBufferPointer { handles in
                series.prefixes.withUnsafeBufferPointer { prefixes in
                    series.prefixEnds.withUnsafeBufferPointer { ends in
                        var first = 0
                        while first < handles.count {
                            let last = Swift.min(first + Self.seriesPerBlock, handles.count)
                            writeBlock(first..<last, handles: handles, prefixes: prefixes, ends: ends)
                            first = last
                        }
                    }
                }
            }
        }
    }

    /// Series per reservation: the room reserved for values is their worst case (24 bytes, most
    /// counters need under 10), so reserving a whole large family at once would overshoot the
    /// last render's size and regrow the buffer.
    private static let seriesPerBlock = 256

    private mutating func writeBlock<Handle: StoredNumber>(
        _ range: Range<Int>, handles: UnsafeBufferPointer<Unmanaged<Handle>>, prefixes: UnsafeBufferPointer<UInt8>,
        ends: UnsafeBufferPointer<Int>
    ) {
        let start = range.lowerBound == 0 ? 0 : ends[range.lowerBound - 1]
        let room = ends[range.upperBound - 1] - start + range.count * (NumberFormatting.maxSampleValueBytes + 1)
        if bytes.capacity - bytes.count < room {
            // Grow geometrically: `append(addingCapacity:)` alone would grow to the exact size.
            bytes.reserveCapacity(Swift.max(bytes.count + room, bytes.capacity * 2))
        }
        bytes.append(addingCapacity: room) { span in
            span.withUnsafeMutableBufferPointer { output, initialized in
                let base = output.baseAddress!
                var cursor = base + initialized
                var prefixStart = start
                for index in range {
                    let prefixEnd = ends[index]
                    cursor.initialize(from: prefixes.baseAddress! + prefixStart, count: prefixEnd - prefixStart)
                    cursor += prefixEnd - prefixStart
                    prefixStart = prefixEnd
                    cursor = handles[index]._withUnsafeGuaranteedRef { $0.writeSampleValue(at: cursor) }
                    cursor.initialize(to: UInt8(ascii: "\n"))
                    cursor += 1
                }
                initialized = cursor - base
            }
        }
    }

    private mutating func writeHeader(_ family: RegisteredFamily) {
        switch format {
        case .prometheusText:
            append("# HELP \(family.name) ")
            appendEscaped(family.help, quotes: false)
            append("\n# TYPE \(family.name) \(family.type.rawValue)\n")
        case .openMetrics:
            // OpenMetrics recommends TYPE before HELP.
            append("# TYPE \(family.openMetricsName) \(family.type.rawValue)\n# HELP \(family.openMetricsName) ")
            appendEscaped(family.help, quotes: true)
            append("\n")
        }
    }

    /// Ends the exposition: OpenMetrics' `# EOF` line.
    mutating func finish() {
        if format == .openMetrics { append("# EOF\n") }
    }

    private mutating func write(_ sample: CollectedSample, of family: RegisteredFamily) {
        let labels = Self.renderLabels(family.labelNames, sample.labelValues)
        switch sample.value {
        case .number(let value):
            precondition(
                family.type == .counter || family.type == .gauge,
                "collector \(family.name) is a \(family.type.rawValue) but returned a plain number")
            line(family.name, labels, value: value)
        case .summary(let quantiles, let count, let sum):
            precondition(family.type == .summary, "collector \(family.name) is a \(family.type.rawValue) but returned a summary")
            for (quantile, value) in quantiles {
                line(family.name, labels, extra: ("quantile", quantile), value: value)
            }
            line(family.name + "_sum", labels, value: sum)
            line(family.name + "_count", labels, value: count)
        case .histogram(let buckets, let count, let sum):
            precondition(family.type == .histogram, "collector \(family.name) is a \(family.type.rawValue) but returned a histogram")
            for bucket in buckets where bucket.upperBound != .infinity {
                line(family.name + "_bucket", labels, extra: ("le", bucket.upperBound), value: bucket.count)
            }
            line(family.name + "_bucket", labels, extra: ("le", .infinity), value: count)
            line(family.name + "_sum", labels, value: sum)
            line(family.name + "_count", labels, value: count)
        }
    }

    private mutating func line(_ name: String, _ labels: [UInt8], extra: (String, Double)? = nil, value: Double) {
        append(name)
        if !labels.isEmpty || extra != nil {
            bytes.append(UInt8(ascii: "{"))
            bytes.append(contentsOf: labels)
            if let (label, number) = extra {
                if !labels.isEmpty { bytes.append(UInt8(ascii: ",")) }
                append("\(label)=\"\(NumberFormatting.labelValue(number, format: format))\"")
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        append(NumberFormatting.sampleValue(value))
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func append(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    private mutating func appendEscaped(_ string: String, quotes: Bool) {
        Self.escape(string, quotes: quotes, into: &bytes)
    }

    /// `name{a="x",b="y"} `, or `name ` without labels: the start of a stored series' sample line,
    /// the same in both formats (a counter's samples keep `_total` in OpenMetrics too).
    static func samplePrefix(name: String, labelNames: [String], labelValues: [String]) -> [UInt8] {
        var prefix = Array(name.utf8)
        if !labelNames.isEmpty {
            prefix.append(UInt8(ascii: "{"))
            prefix.append(contentsOf: renderLabels(labelNames, labelValues))
            prefix.append(UInt8(ascii: "}"))
        }
        prefix.append(UInt8(ascii: " "))
        return prefix
    }

    /// `a="x",b="y"`: label pairs as both formats write them inside the braces.
    static func renderLabels(_ names: [String], _ values: [String]) -> [UInt8] {
        var labels: [UInt8] = []
        for (name, value) in zip(names, values) {
            if !labels.isEmpty { labels.append(UInt8(ascii: ",")) }
            labels.append(contentsOf: name.utf8)
            labels.append(contentsOf: "=\"".utf8)
            escape(value, quotes: true, into: &labels)
            labels.append(UInt8(ascii: "\""))
        }
        return labels
    }

    /// Backslash and newline always; the double quote in label values and in OpenMetrics HELP text.
    /// Only ASCII bytes change, so UTF-8 passes through untouched.
    static func escape(_ string: String, quotes: Bool, into output: inout [UInt8]) {
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\"") where quotes: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            default: output.append(byte)
            }
        }
    }

    /// Series sorted by label values (byte order, first label first); a label set a collector returned
    /// twice is written once, so the exposition stays valid.
    private static func sortedUnique(_ samples: [CollectedSample], family: RegisteredFamily) -> [CollectedSample] {
        for sample in samples {
            precondition(
                sample.labelValues.count == family.labelNames.count,
                """
                \(family.name) has labels \(family.labelNames) but a sample has \(sample.labelValues.count) \
                value(s): \(sample.labelValues)
                """)
        }
        // Stored families come sorted and unique (SeriesTable.all): one pass confirms it, no sort.
        if zip(samples, samples.dropFirst()).allSatisfy({ labelValuesPrecede($0.labelValues, $1.labelValues) }) {
            return samples
        }
        let sorted = samples.sorted { labelValuesPrecede($0.labelValues, $1.labelValues) }
        var unique: [CollectedSample] = []
        unique.reserveCapacity(sorted.count)
        for sample in sorted {
            if let last = unique.last, !labelValuesPrecede(last.labelValues, sample.labelValues) { continue }
            unique.append(sample)
        }
        return unique
    }

    static func labelValuesPrecede(_ left: [String], _ right: [String]) -> Bool {
        for (a, b) in zip(left, right) where !a.utf8.elementsEqual(b.utf8) {
            return a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        return left.count < right.count
    }
}
