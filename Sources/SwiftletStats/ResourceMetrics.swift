import Foundation

/// kubelet's `/metrics/resource` endpoint: the CPU and memory figures of a `Summary` in the
/// Prometheus text format, with kubelet's metric names, HELP texts (stability level included),
/// label names and millisecond sample timestamps (matches `resource_metrics.go` of kubelet).
///
/// As the Prometheus Go client writes it, families are sorted by name, samples by label values,
/// families without samples are left out and values use Go's shortest float formatting.
public enum ResourceMetrics {
    /// The `Content-Type` of the text: the Prometheus text format 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Rendering choices.
    public struct Options: Sendable, Equatable {
        /// Also write `scrape_error`, the name kubelet deprecated in 1.29 in favour of
        /// `resource_scrape_error` (and hides from 1.30 unless hidden metrics are shown).
        public var includeDeprecatedScrapeError: Bool

        /// Options; by default the deprecated `scrape_error` is written too.
        public init(includeDeprecatedScrapeError: Bool = true) {
            self.includeDeprecatedScrapeError = includeDeprecatedScrapeError
        }
    }

    /// The metrics text for `summary`; with `summary` nil (nothing collected yet, or the node's
    /// figures could not be read) only the scrape error gauges, set to 1.
    public static func render(_ summary: Summary?, options: Options = Options()) -> String {
        var families: [Family] = []
        func family(_ name: String, _ type: String, _ help: String) -> Int {
            families.append(Family(name: name, type: type, help: help))
            return families.count - 1
        }
        let nodeCPU = family("node_cpu_usage_seconds_total", "counter", "[STABLE] Cumulative cpu time consumed by the node in core-seconds")
        let nodeMemory = family("node_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the node in bytes")
        let nodeSwap = family("node_swap_usage_bytes", "gauge", "[ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems")
        let containerCPU = family("container_cpu_usage_seconds_total", "counter", "[STABLE] Cumulative cpu time consumed by the container in core-seconds")
        let containerMemory = family("container_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the container in bytes")
        let containerSwap = family("container_swap_usage_bytes", "gauge",
                                   "[ALPHA] Current amount of the container swap usage in bytes. Reported only on non-windows systems")
        let containerSwapLimit = family("container_swap_limit_bytes", "gauge",
                                        "[ALPHA] Current amount of the container swap limit in bytes. Reported only on non-windows systems")
        let containerStart = family("container_start_time_seconds", "gauge", "[STABLE] Start time of the container since unix epoch in seconds")
        let podCPU = family("pod_cpu_usage_seconds_total", "counter", "[STABLE] Cumulative cpu time consumed by the pod in core-seconds")
        let podMemory = family("pod_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the pod in bytes")
        let podSwap = family("pod_swap_usage_bytes", "gauge", "[ALPHA] Current amount of the pod swap usage in bytes. Reported only on non-windows systems")
        let scrapeHelp = "1 if there was an error while getting container metrics, 0 otherwise"
        let resourceScrape = family("resource_scrape_error", "gauge", "[STABLE] " + scrapeHelp)
        let scrape = options.includeDeprecatedScrapeError ? family("scrape_error", "gauge", "[ALPHA] (Deprecated since 1.29.0) " + scrapeHelp) : nil

        let errorValue: Double = summary == nil ? 1 : 0
        families[resourceScrape].samples.append(Sample(labels: [], value: errorValue, timestamp: nil))
        if let scrape { families[scrape].samples.append(Sample(labels: [], value: errorValue, timestamp: nil)) }

        if let summary {
            let node = summary.node
            if let cpu = node.cpu, let usage = cpu.usageCoreNanoSeconds {
                families[nodeCPU].samples.append(Sample(labels: [], value: seconds(usage), timestamp: cpu.time))
            }
            if let memory = node.memory, let ws = memory.workingSetBytes {
                families[nodeMemory].samples.append(Sample(labels: [], value: Double(ws), timestamp: memory.time))
            }
            if let swap = node.swap, let usage = swap.swapUsageBytes {
                families[nodeSwap].samples.append(Sample(labels: [], value: Double(usage), timestamp: node.memory?.time ?? swap.time))
            }
            for pod in summary.pods {
                let podLabels = [("namespace", pod.podRef.namespace), ("pod", pod.podRef.name)]
                for container in pod.containers {
                    let labels = [("container", container.name)] + podLabels
                    if container.startTime.date.timeIntervalSince1970 >= 1 {
                        families[containerStart].samples.append(
                            Sample(labels: labels, value: container.startTime.date.timeIntervalSince1970, timestamp: nil))
                    }
                    if let cpu = container.cpu, let usage = cpu.usageCoreNanoSeconds {
                        families[containerCPU].samples.append(Sample(labels: labels, value: seconds(usage), timestamp: cpu.time))
                    }
                    if let memory = container.memory, let ws = memory.workingSetBytes {
                        families[containerMemory].samples.append(Sample(labels: labels, value: Double(ws), timestamp: memory.time))
                    }
                    if let swap = container.swap {
                        if let usage = swap.swapUsageBytes {
                            families[containerSwap].samples.append(Sample(labels: labels, value: Double(usage), timestamp: swap.time))
                        }
                        if let available = swap.swapAvailableBytes {
                            let limit = Double(available) + Double(swap.swapUsageBytes ?? 0)
                            families[containerSwapLimit].samples.append(Sample(labels: labels, value: limit, timestamp: swap.time))
                        }
                    }
                }
                if let cpu = pod.cpu, let usage = cpu.usageCoreNanoSeconds {
                    families[podCPU].samples.append(Sample(labels: podLabels, value: seconds(usage), timestamp: cpu.time))
                }
                if let memory = pod.memory, let ws = memory.workingSetBytes {
                    families[podMemory].samples.append(Sample(labels: podLabels, value: Double(ws), timestamp: memory.time))
                }
                if let swap = pod.swap, let usage = swap.swapUsageBytes {
                    families[podSwap].samples.append(Sample(labels: podLabels, value: Double(usage), timestamp: swap.time))
                }
            }
        }

        var out = ""
        out.reserveCapacity(256 + (summary.map { $0.pods.count * 600 } ?? 0))
        for family in families.sorted(by: { $0.name < $1.name }) where !family.samples.isEmpty {
            out += "# HELP \(family.name) \(escapeHelp(family.help))\n# TYPE \(family.name) \(family.type)\n"
            for sample in family.samples.sorted(by: Sample.labelOrder) {
                out += family.name
                if !sample.labels.isEmpty {
                    out += "{"
                    for (i, (name, value)) in sample.labels.enumerated() {
                        if i > 0 { out += "," }
                        out += name + "=\"" + escapeLabel(value) + "\""
                    }
                    out += "}"
                }
                out += " " + GoFloatFormat.prometheus(sample.value)
                if let timestamp = sample.timestamp { out += " " + String(timestamp.unixMilliseconds) }
                out += "\n"
            }
        }
        return out
    }

    private struct Family {
        let name: String
        let type: String
        let help: String
        var samples: [Sample] = []
    }

    private struct Sample {
        /// Label pairs in label-name order.
        let labels: [(String, String)]
        let value: Double
        let timestamp: StatsTime?

        /// The Go client's order: label values compared byte-wise, in label-name order.
        static func labelOrder(_ a: Sample, _ b: Sample) -> Bool {
            for (x, y) in zip(a.labels, b.labels) where x.1 != y.1 {
                return Array(x.1.utf8).lexicographicallyPrecedes(Array(y.1.utf8))
            }
            return false
        }
    }

    private static func seconds(_ nanos: UInt64) -> Double { Double(nanos) / 1e9 }

    private static func escapeHelp(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\n" }) else { return text }
        return text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func escapeLabel(_ text: String) -> String {
        guard text.contains(where: { $0 == "\\" || $0 == "\n" || $0 == "\"" }) else { return text }
        var out = ""
        for ch in text {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }
}
