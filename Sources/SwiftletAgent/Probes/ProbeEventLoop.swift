import CRuntimeShim
import Dispatch
import Foundation
import Glibc
import NIOCore
import Synchronization

/// The prober's own event loop: one thread that runs the probe manager (an actor whose executor
/// it is), the manager's timers, and the waiting of the probes whose I/O it does itself, through
/// one epoll set:
/// - tcpSocket and plain-HTTP httpGet probes to an IP address (``ProbeEventLoop/connect(to:display:deadline:)``,
///   ``PlainHTTPExchange``);
/// - exec probes through a container's monitor (the exit record and output come back on
///   descriptors watched here).
///
/// A probe then costs its system calls and about one wake-up of this thread. On a NIO loop the
/// same probe built a channel (registration, pipeline, HTTP codec) per HTTP exchange, or handed
/// an exec to a thread pool and back, which together cost the agent more than the probes' own
/// work. HTTPS and gRPC probes and host names still go through NIO's loops (TLS, HTTP/2 and name
/// resolution live there); their futures complete back here.
///
/// It is a NIO `EventLoop`: futures, promises and scheduled tasks work on it as on any loop.
/// Descriptor watches (``watch(_:events:_:)``) are for code already running on it.
package final class ProbeEventLoop: NIOSerialEventLoopExecutor, @unchecked Sendable {
    private struct Shared {
        var tasks: [@Sendable () -> Void] = []
        /// The loop will look at `tasks` before it sleeps: no wake-up is needed.
        var awake = true
        var stopping = false
        var stopped = false
        var onStopped: [(DispatchQueue, @Sendable ((any Error)?) -> Void)] = []
    }

    private struct Timer {
        let run: () -> Void
        let abandon: () -> Void
        /// How much earlier than its due time the timer may run when the loop is awake anyway.
        var slack: UInt64 = 0
    }

    private struct Watcher {
        let generation: UInt32
        let handler: (UInt32) -> Void
    }

    private let shared = Mutex<Shared>(Shared())
    private let epoll: Int32
    private let wakeFd: Int32
    private let threadID = Atomic<UInt>(0)
    private let nextTimerID = Atomic<UInt64>(1)

    // Owned by the loop's thread.
    private var timerQueue = ProbeSchedule<UInt64, UInt64>()
    private var timers: [UInt64: Timer] = [:]
    private var watchers: [Int32: Watcher] = [:]
    private var nextGeneration: UInt32 = 1
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)

    /// Starts the loop's thread.
    /// - Throws: when epoll or eventfd cannot be had (out of descriptors).
    package init(name: String = "swiftlet-prober") throws {
        epoll = shim_epoll_create()
        wakeFd = shim_eventfd(0, O_CLOEXEC | O_NONBLOCK)  // EFD_CLOEXEC and EFD_NONBLOCK are these
        guard epoll >= 0, wakeFd >= 0, shim_epoll_ctl(epoll, 1, wakeFd, SHIM_EPOLLIN, 0) == 0 else {
            let code = errno
            if epoll >= 0 { Glibc.close(epoll) }
            if wakeFd >= 0 { Glibc.close(wakeFd) }
            throw ProbeSupport.Failure("cannot set up the prober's event loop: \(String(cString: strerror(code)))")
        }
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    deinit {
        Glibc.close(epoll)
        Glibc.close(wakeFd)
        scratch.deallocate()
    }

    /// Ends the loop's thread once the tasks already queued have run; timers not yet due are
    /// dropped (their futures fail with `EventLoopError.shutdown`).
    package func stop() {
        let wake = shared.withLock { state -> Bool in
            state.stopping = true
            return !state.awake
        }
        if wake { signal() }
    }

    // MARK: EventLoop

    package var inEventLoop: Bool {
        threadID.load(ordering: .relaxed) == pthread_self()
    }

    package func execute(_ task: @escaping @Sendable () -> Void) {
        let onLoop = inEventLoop
        let wake = shared.withLock { state -> Bool in
            state.tasks.append(task)
            // On the loop, the queue is looked at before the loop sleeps again.
            guard !onLoop, !state.awake else { return false }
            state.awake = true
            return true
        }
        if wake { signal() }
    }

    package func scheduleTask<T>(deadline: NIODeadline, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        let promise = makePromise(of: T.self)
        let id = nextTimerID.wrappingAdd(1, ordering: .relaxed).oldValue
        // Timers run on the loop: the result needs not be sendable.
        let timer = Timer(run: { promise.assumeIsolated().completeWith(Result { try task() }) },
                          abandon: { promise.fail(EventLoopError.shutdown) })
        let due = UInt64(max(0, deadline.uptimeNanoseconds))
        if inEventLoop {
            addTimer(id, due: due, timer)
        } else {
            let box = UnsafeTransfer(timer)
            execute { self.addTimer(id, due: due, box.value) }
        }
        return Scheduled(promise: promise) { [self] in
            if inEventLoop {
                timers[id] = nil
            } else {
                execute { self.timers[id] = nil }
            }
        }
    }

    package func scheduleTask<T>(in delay: TimeAmount, _ task: @escaping @Sendable () throws -> T) -> Scheduled<T> {
        scheduleTask(deadline: .now() + delay, task)
    }

    package func preconditionInEventLoop(file: StaticString, line: UInt) {
        precondition(inEventLoop, "not on the prober's event loop", file: file, line: line)
    }

    package func preconditionNotInEventLoop(file: StaticString, line: UInt) {
        precondition(!inEventLoop, "on the prober's event loop", file: file, line: line)
    }

    package func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        let done = shared.withLock { state -> Bool in
            if state.stopped { return true }
            state.onStopped.append((queue, callback))
            return false
        }
        if done {
            queue.async { callback(nil) }
        } else {
            stop()
        }
    }

    /// Runs `body` on the loop at `deadline` unless cancelled first; for code on the loop, whose
    /// state the closure may hold without being sendable. Lighter than a scheduled task: no
    /// promise, no future.
    /// - Parameter slack: how much before `deadline` it may run instead, when the loop is awake
    ///   then for something else: a wake-up saved.
    @discardableResult
    package func scheduleOnLoop(deadline: NIODeadline, slack: TimeAmount = .zero, _ body: @escaping () -> Void) -> LoopTimer {
        preconditionInEventLoop(file: #file, line: #line)
        let id = nextTimerID.wrappingAdd(1, ordering: .relaxed).oldValue
        addTimer(id, due: UInt64(max(0, deadline.uptimeNanoseconds)),
                 Timer(run: body, abandon: {}, slack: UInt64(max(0, slack.nanoseconds))))
        return LoopTimer(loop: self, id: id)
    }

    /// A timer of ``scheduleOnLoop(deadline:_:)``; only the loop may cancel it.
    package struct LoopTimer: @unchecked Sendable {
        fileprivate let loop: ProbeEventLoop
        fileprivate let id: UInt64

        /// Drops the timer if it has not run yet. On the loop only.
        package func cancel() {
            loop.preconditionInEventLoop(file: #file, line: #line)
            loop.timers[id] = nil
        }
    }

    /// A buffer for reads on the loop, lent to `body` (on the loop only): one allocation for
    /// the loop's life instead of a 16 KiB one per read, which glibc's malloc serves from its
    /// large bins, consolidating its fast bins at every such request.
    package func withScratch<Result>(_ body: (UnsafeMutableRawBufferPointer) throws -> Result) rethrows -> Result {
        preconditionInEventLoop(file: #file, line: #line)
        return try body(scratch)
    }

    // MARK: Descriptors

    /// Calls `handler` with the ready events (`SHIM_EPOLLIN`, `SHIM_EPOLLOUT`, `SHIM_EPOLLHUP`…)
    /// each time `fd` is ready for `events` (level-triggered), until ``unwatch(_:)``. On the loop only.
    /// - Returns: false when epoll refused the descriptor (errno tells why).
    @discardableResult
    package func watch(_ fd: Int32, events: UInt32, _ handler: @escaping (UInt32) -> Void) -> Bool {
        preconditionInEventLoop(file: #file, line: #line)
        let generation = nextGeneration
        nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
        let data = UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd))
        let op: Int32 = watchers[fd] == nil ? 1 : 3
        guard shim_epoll_ctl(epoll, op, fd, events, data) == 0 else { return false }
        watchers[fd] = Watcher(generation: generation, handler: handler)
        return true
    }

    /// Stops watching `fd`; call it before closing the descriptor. On the loop only.
    package func unwatch(_ fd: Int32) {
        preconditionInEventLoop(file: #file, line: #line)
        guard watchers.removeValue(forKey: fd) != nil else { return }
        _ = shim_epoll_ctl(epoll, 2, fd, 0, 0)
    }

    // MARK: The thread

    private func signal() {
        var one: UInt64 = 1
        _ = write(wakeFd, &one, 8)
    }

    private func addTimer(_ id: UInt64, due: UInt64, _ timer: Timer) {
        timers[id] = timer
        timerQueue.push(due: due, key: id)
    }

    private func run() {
        threadID.store(pthread_self(), ordering: .relaxed)
        var events = [UInt32](repeating: 0, count: 64)
        var data = [UInt64](repeating: 0, count: 64)
        while true {
            let tasks = shared.withLock { state -> [@Sendable () -> Void] in
                defer { state.tasks.removeAll(keepingCapacity: true) }
                return state.tasks
            }
            for task in tasks { task() }
            runDueTimers()
            let timeout = shared.withLock { state -> Int32? in
                if !state.tasks.isEmpty { return 0 }
                if state.stopping { return nil }
                state.awake = false
                return sleepMilliseconds()
            }
            guard let timeout else { break }
            let count = shim_epoll_wait(epoll, &events, &data, 64, timeout)
            shared.withLock { $0.awake = true }
            for index in 0..<max(0, Int(count)) {
                let word = data[index]
                if word == 0 {
                    var value: UInt64 = 0
                    _ = read(wakeFd, &value, 8)
                    continue
                }
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: word))
                // A watch dropped (and its descriptor number reused) earlier in this round is skipped.
                guard let watcher = watchers[fd], watcher.generation == UInt32(word >> 32) else { continue }
                watcher.handler(events[index])
            }
        }
        let abandoned = timers.values
        timers.removeAll()
        for timer in abandoned { timer.abandon() }
        let callbacks = shared.withLock { state -> [(DispatchQueue, @Sendable ((any Error)?) -> Void)] in
            state.stopped = true
            defer { state.onStopped.removeAll() }
            return state.onStopped
        }
        for (queue, callback) in callbacks { queue.async { callback(nil) } }
    }

    private func runDueTimers() {
        let now = UInt64(NIODeadline.now().uptimeNanoseconds)
        while let first = timerQueue.first {
            guard let timer = timers[first.key] else {
                _ = timerQueue.pop()  // cancelled
                continue
            }
            guard first.due <= now + timer.slack else { break }
            _ = timerQueue.pop()
            timers[first.key] = nil
            timer.run()
        }
    }

    /// Until the earliest live timer, rounded up to whole milliseconds (epoll's unit); -1 when none.
    private func sleepMilliseconds() -> Int32 {
        while let first = timerQueue.first, timers[first.key] == nil { _ = timerQueue.pop() }
        guard let first = timerQueue.first else { return -1 }
        let now = UInt64(NIODeadline.now().uptimeNanoseconds)
        guard first.due > now else { return 0 }
        return Int32(min((first.due - now + 999_999) / 1_000_000, UInt64(Int32.max)))
    }
}

/// Carries a value the compiler cannot prove sendable to the thread that owns it.
private struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
