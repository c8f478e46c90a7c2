import Foundation

extension Summary {
    /// The summary as `/stats/summary?only_cpu_and_memory=true` serves it: node and pod start times,
    /// CPU, memory and swap of the node, its system containers, pods and containers; no network,
    /// filesystem, volume, rlimit or process figures.
    public func onlyCPUAndMemory() -> Summary {
        func slim(_ c: ContainerStats) -> ContainerStats {
            ContainerStats(name: c.name, startTime: c.startTime, cpu: c.cpu, memory: c.memory, swap: c.swap)
        }
        let node = NodeStats(
            nodeName: self.node.nodeName, systemContainers: self.node.systemContainers?.map(slim),
            startTime: self.node.startTime, cpu: self.node.cpu, memory: self.node.memory, swap: self.node.swap)
        let pods = self.pods.map { p in
            PodStats(podRef: p.podRef, startTime: p.startTime, containers: p.containers.map(slim), cpu: p.cpu, memory: p.memory, swap: p.swap)
        }
        return Summary(node: node, pods: pods)
    }

    /// The JSON body of `/stats/summary` (`application/json`), with kubelet's field names; keys are
    /// sorted so that the output is stable.
    ///
    /// - Throws: `EncodingError` (not expected for these types).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
