import Foundation
import Logging
import Synchronization
import SwiftletAPI
import Testing
@testable import SwiftletAgent

private func pod(_ name: String, priority: Int32? = nil, memoryRequest: String? = nil, storageRequest: String? = nil) -> Pod {
    var c = Container(name: "c", image: "x")
    var requests: [String: Quantity] = [:]
    if let memoryRequest { requests["memory"] = try! Quantity(parsing: memoryRequest) }
    if let storageRequest { requests["ephemeral-storage"] = try! Quantity(parsing: storageRequest) }
    if !requests.isEmpty { c.resources = ResourceRequirements(requests: requests) }
    var p = Pod(metadata: ObjectMeta(name: name, namespace: "default"), spec: PodSpec(containers: [c]))
    p.metadata.uid = name
    p.spec.priority = priority
    return p
}

private let mi: Int64 = 1 << 20

@Suite("Node-pressure eviction, as kubelet decides it")
struct EvictionRulesTests {
    func config(_ yaml: [String: String] = [:], soft: [String: String] = [:], grace: [String: String] = [:], reclaim: [String: String] = [:]) -> KubeletConfiguration {
        var k = KubeletConfiguration()
        if !yaml.isEmpty { k.evictionHard = yaml }
        k.evictionSoft = soft
        k.evictionSoftGracePeriod = grace
        k.evictionMinimumReclaim = reclaim
        return k
    }

    @Test("kubelet's default hard thresholds; a quantity or a percentage of capacity; a met threshold holds until its minimum reclaim is back")
    func thresholds() throws {
        let defaults = EvictionRules.thresholds(KubeletConfiguration())
        #expect(Set(defaults.map(\.signal)) == [.memoryAvailable, .nodeFsAvailable, .nodeFsInodesFree, .imageFsAvailable, .imageFsInodesFree])
        #expect(defaults.allSatisfy { $0.isHard })
        let t = EvictionRules.thresholds(config(["memory.available": "100Mi", "nodefs.available": "10%"], reclaim: ["nodefs.available": "5%"]))
        let obs: [EvictionSignal: EvictionObservation] = [
            .memoryAvailable: EvictionObservation(available: 150 * mi, capacity: 1024 * mi),
            .nodeFsAvailable: EvictionObservation(available: 9 * mi, capacity: 100 * mi),
        ]
        let met = EvictionRules.met(t, observations: obs)
        #expect(met.map(\.signal) == [.nodeFsAvailable])
        // 12% free: over the threshold, but within the minimum reclaim of the earlier breach.
        let recovering: [EvictionSignal: EvictionObservation] = [.nodeFsAvailable: EvictionObservation(available: 12 * mi, capacity: 100 * mi)]
        #expect(EvictionRules.met(t, observations: recovering, previouslyMet: met).map(\.signal) == [.nodeFsAvailable])
        #expect(EvictionRules.met(t, observations: recovering).isEmpty)
        #expect(EvictionRules.thresholds(config(["memory.available": "0%"])).isEmpty)
    }

    @Test("ranking: usage over requests first, then lower priority, then the larger excess; pids by priority then count; critical pods never")
    func ranking() {
        let usages = [
            PodUsage(pod: pod("guaranteed-ish", memoryRequest: "500Mi"), memory: ["c": 400 * mi], processes: 50),
            PodUsage(pod: pod("besteffort-small"), memory: ["c": 10 * mi], processes: 2),
            PodUsage(pod: pod("besteffort-big"), memory: ["c": 300 * mi], processes: 3),
            PodUsage(pod: pod("important", priority: 1000), memory: ["c": 900 * mi], processes: 9),
            PodUsage(pod: pod("critical", priority: 2_000_001_000), memory: ["c": 2000 * mi], processes: 500),
        ]
        #expect(EvictionRules.rank(usages, for: .memoryAvailable).map { $0.pod.metadata.name! }
                == ["besteffort-big", "besteffort-small", "important", "guaranteed-ish"])
        #expect(EvictionRules.rank(usages, for: .pidAvailable).map { $0.pod.metadata.name! }
                == ["guaranteed-ish", "besteffort-big", "besteffort-small", "important"])
        let disk = [
            PodUsage(pod: pod("requested", storageRequest: "1Gi"), ephemeral: ["c": 100 * mi]),
            PodUsage(pod: pod("writer"), ephemeral: ["c": 20 * mi, "": 30 * mi]),
        ]
        #expect(EvictionRules.rank(disk, for: .nodeFsAvailable).map { $0.pod.metadata.name! } == ["writer", "requested"])
    }

    @Test("messages: kubelet's eviction text with each container over its request, and admission under pressure")
    func messages() throws {
        let threshold = EvictionRules.thresholds(config(["memory.available": "100Mi"]))[0]
        let usage = PodUsage(pod: pod("p"), memory: ["c": 70 * mi])
        #expect(EvictionRules.evictionMessage(usage, threshold: threshold, observation: EvictionObservation(available: 50 * mi, capacity: 1024 * mi))
                == "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c was using 70Mi, request is 0, has larger consumption of memory. ")
        #expect(EvictionRules.admissionRejection(pod("be"), conditions: ["MemoryPressure"])?.message == "The node had condition: [MemoryPressure]. ")
        #expect(EvictionRules.admissionRejection(pod("bu", memoryRequest: "10Mi"), conditions: ["MemoryPressure"]) == nil)
        #expect(EvictionRules.admissionRejection(pod("bu", memoryRequest: "10Mi"), conditions: ["DiskPressure"])?.reason == "Evicted")
        #expect(EvictionRules.admissionRejection(pod("be"), conditions: []) == nil)
    }
}

/// Measurements a test sets by hand; the manager sees them as the stats collector's.
private final class ManualSource: EvictionSource, Sendable {
    let observations = Mutex<[EvictionSignal: EvictionObservation]>([:])
    let usages = Mutex<[PodUsage]>([])
    func observe() async -> [EvictionSignal: EvictionObservation] { observations.withLock { $0 } }
    func podUsages() async -> [PodUsage] { usages.withLock { $0 } }
}

@Suite("The eviction manager's loop: conditions, soft grace periods, reclaim before evicting")
struct EvictionManagerTests {
    @Test("a hard breach raises the condition and evicts the top pod at once; the condition holds for the transition period")
    func hard() async {
        let clock = ManualClock()
        let source = ManualSource()
        let pressure = PressureConditions()
        let evicted = Mutex<[String]>([])
        var k = KubeletConfiguration()
        k.evictionHard = ["memory.available": "100Mi"]
        let manager = EvictionManager(kubelet: k, clock: clock, source: source, pressure: pressure, logger: Logger(label: "t"),
                                      reclaimDisk: {}, evict: { e in evicted.withLock { $0.append(e.pod.metadata.name ?? "") } })
        source.observations.withLock { $0 = [.memoryAvailable: EvictionObservation(available: 500 * mi, capacity: 1024 * mi)] }
        #expect(await manager.synchronize() == nil)
        #expect(pressure.conditions.isEmpty)
        source.observations.withLock { $0 = [.memoryAvailable: EvictionObservation(available: 50 * mi, capacity: 1024 * mi)] }
        source.usages.withLock { $0 = [PodUsage(pod: pod("a", memoryRequest: "1Gi"), memory: ["c": 100 * mi]), PodUsage(pod: pod("b"), memory: ["c": 10 * mi])] }
        let eviction = await manager.synchronize()
        #expect(eviction?.pod.metadata.name == "b" && eviction?.gracePeriod == 1)
        #expect(pressure.conditions == ["MemoryPressure"])
        source.observations.withLock { $0 = [.memoryAvailable: EvictionObservation(available: 500 * mi, capacity: 1024 * mi)] }
        clock.advance(by: 60)
        _ = await manager.synchronize()
        #expect(pressure.conditions == ["MemoryPressure"], "held for evictionPressureTransitionPeriod (5m)")
        clock.advance(by: 300)
        _ = await manager.synchronize()
        #expect(pressure.conditions.isEmpty)
        #expect(evicted.withLock { $0 } == ["b"])
    }

    @Test("a soft threshold acts only after its grace period, with the pod's grace capped by evictionMaxPodGracePeriod")
    func soft() async {
        let clock = ManualClock()
        let source = ManualSource()
        var k = KubeletConfiguration()
        k.evictionHard = [:]
        k.evictionSoft = ["memory.available": "200Mi"]
        k.evictionSoftGracePeriod = ["memory.available": "1m30s"]
        k.evictionMaxPodGracePeriod = 20
        let manager = EvictionManager(kubelet: k, clock: clock, source: source, pressure: PressureConditions(), logger: Logger(label: "t"),
                                      reclaimDisk: {}, evict: { _ in })
        source.observations.withLock { $0 = [.memoryAvailable: EvictionObservation(available: 150 * mi, capacity: 1024 * mi)] }
        var p = pod("slow")
        p.spec.terminationGracePeriodSeconds = 60
        source.usages.withLock { $0 = [PodUsage(pod: p, memory: ["c": 10 * mi])] }
        #expect(await manager.synchronize() == nil)
        clock.advance(by: 60)
        #expect(await manager.synchronize() == nil)
        clock.advance(by: 31)
        let eviction = await manager.synchronize()
        #expect(eviction?.pod.metadata.name == "slow" && eviction?.gracePeriod == 20)
    }

    @Test("disk pressure runs image GC first and evicts nobody when that frees enough")
    func reclaimFirst() async {
        let clock = ManualClock()
        let source = ManualSource()
        let reclaimed = Mutex(0)
        var k = KubeletConfiguration()
        k.evictionHard = ["nodefs.available": "10%"]
        let manager = EvictionManager(kubelet: k, clock: clock, source: source, pressure: PressureConditions(), logger: Logger(label: "t"),
                                      reclaimDisk: {
                                          reclaimed.withLock { $0 += 1 }
                                          source.observations.withLock { $0 = [.nodeFsAvailable: EvictionObservation(available: 50 * mi, capacity: 100 * mi)] }
                                      },
                                      evict: { _ in Issue.record("nobody should be evicted") })
        source.observations.withLock { $0 = [.nodeFsAvailable: EvictionObservation(available: 5 * mi, capacity: 100 * mi)] }
        source.usages.withLock { $0 = [PodUsage(pod: pod("w"), ephemeral: ["c": 40 * mi])] }
        #expect(await manager.synchronize() == nil)
        #expect(reclaimed.withLock { $0 } == 1)
    }
}
