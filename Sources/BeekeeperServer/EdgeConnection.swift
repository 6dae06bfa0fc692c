import BeekeeperConfig
import NIOCore

/// One connection's place in the request cycle, shared by its two edge handlers (raw bytes in
/// front of the HTTP decoder, request parts behind it) and driven on the connection's event loop.
///
/// Every phase has a deadline, so no socket is held by a client that stops talking: `idle` (no
/// request in progress) ends at `idle_timeout`; `head` (a request's first byte seen, its header
/// not complete) at `header_timeout`; `body` must bring `body_min_rate` bytes per second in every
/// `body_timeout`; `lingering` (an answer that closes the connection was sent, the output is shut)
/// discards input for at most `linger` and `linger_bytes`. Only `responding` (the request is
/// read, the handler works) has none: the pipeline's own timeouts bound it.
final class EdgeConnection {
    enum Phase { case idle, head, body, responding, lingering }

    let limits: EdgeLimits
    /// Over `http.max_connections`: answered 503 at once and closed.
    let refused: Bool
    private(set) var phase: Phase = .idle
    /// The byte handler's context, set when it is added; the one closest to the socket.
    var context: ChannelHandlerContext?
    /// The decoder's error, so the edge can say why it answered 400/431.
    var parseError: (any Error)?
    /// The current phase's deadline and what happens then; nil while responding.
    private var due: (at: NIODeadline, fire: (EdgeConnection) -> Void)?
    /// The event-loop task that wakes the connection, and when; it may wake before `due` (an
    /// earlier phase's deadline) and then sleeps on until it (see ``arm(_:_:)``).
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    private var graceTimer: Scheduled<Void>?
    private var activated = false
    private var windowBytes = 0
    private var requestEnded = true
    private var closeAfterResponse = false
    private var quiescing = false
    private var outputClosed = false
    private var lingerBytesLeft = 0

    init(limits: EdgeLimits, refused: Bool) {
        self.limits = limits
        self.refused = refused
    }

    private var configuration: HTTPConfig { limits.configuration }

    // MARK: Events from the handlers

    func activate() {
        guard !activated, let context else { return }
        activated = true
        if refused {
            limits.count(.overCapacity)
            context.writeAndFlush(NIOAny(IOData.byteBuffer(EdgeErrorAnswer.overCapacity(allocator: context.channel.allocator))), promise: nil)
            startLinger()
        } else {
            enterIdle()
        }
    }

    /// Raw bytes arrived; false: discard them (lingering).
    func acceptBytes(_ count: Int) -> Bool {
        switch phase {
        case .lingering:
            lingerBytesLeft -= count
            if lingerBytesLeft < 0 { close(.lingerBytes) }
            return false
        case .idle:
            phase = .head
            arm(configuration.headerTimeout) { $0.close(.headerTimeout) }
        case .body:
            windowBytes += count
        case .head, .responding:
            break
        }
        return true
    }

    func requestHead() {
        guard phase != .lingering else { return }
        phase = .body
        requestEnded = false
        windowBytes = 0
        armBodyWindow()
    }

    func requestEnd() {
        requestEnded = true
        guard phase == .body || phase == .head else { return }
        phase = .responding
        due = nil
        // Draining on SIGTERM waits for a request that is wholly read, never for an upload.
        cancel(&graceTimer)
    }

    func responseHead(closing: Bool) {
        if closing { closeAfterResponse = true }
    }

    /// The answer's last byte is written: keep the connection for the next request, or shut the
    /// output and linger when the answer came before the request ended (413, 401, 429 ...), the
    /// answer said `Connection: close`, or the server is shutting down.
    func responseEnded() {
        guard phase != .lingering else { return }
        if !requestEnded || closeAfterResponse || quiescing {
            startLinger()
        } else {
            enterIdle()
        }
    }

    /// Someone above shut the output (the framework after a parse error, or at the end of the
    /// connection): the client has its answer, so what it still sends is discarded for a bounded time.
    /// False: the output is already shut; do not shut it again.
    func outputClosing() -> Bool {
        defer { outputClosed = true }
        if phase != .lingering { enterLinger() }
        return !outputClosed
    }

    func quiesce() {
        quiescing = true
        guard phase == .head || phase == .body else { return }
        let grace = configuration.shutdownGrace
        graceTimer = context?.eventLoop.assumeIsolated().scheduleTask(in: EdgeLimits.timeAmount(grace)) { [self] in
            close(.shutdownGrace)
        }
    }

    func inactive() {
        due = nil
        cancel(&timer)
        cancel(&graceTimer)
        phase = .lingering
    }

    // MARK: Phases

    private func enterIdle() {
        phase = .idle
        arm(configuration.idleTimeout) { $0.close(.idleTimeout) }
    }

    private func armBodyWindow() {
        let window = configuration.bodyTimeout
        arm(window) { connection in
            guard connection.phase == .body else { return }
            let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
            let needed = Int(Double(connection.configuration.bodyMinRate) * seconds)
            if connection.windowBytes < max(needed, 1) {
                connection.close(.bodyTimeout)
            } else {
                connection.windowBytes = 0
                connection.armBodyWindow()
            }
        }
    }

    private func startLinger() {
        enterLinger()
        guard let context, !outputClosed else { return }
        outputClosed = true
        context.close(mode: .output, promise: nil)
    }

    private func enterLinger() {
        phase = .lingering
        cancel(&graceTimer)
        lingerBytesLeft = configuration.lingerBytes
        arm(configuration.linger) { $0.close(.lingerTimeout, count: false) }
    }

    /// Closes the connection for `reason`; a linger that simply ran out is not worth a count.
    private func close(_ reason: EdgeLimits.CloseReason, count: Bool = true) {
        due = nil
        cancel(&timer)
        cancel(&graceTimer)
        phase = .lingering
        if count { limits.count(reason) }
        context?.close(mode: .all, promise: nil)
    }

    /// Gives the current phase `delay` from now, then `fire`.
    ///
    /// Lazily: a request moves through three phases with deadlines (head, body, idle) and back,
    /// and cancelling and scheduling an event-loop task for each cost more than the rest of the
    /// edge's bookkeeping. A task already due no later than the new deadline is kept; when it
    /// wakes early it schedules itself again for the deadline then in force, so every deadline
    /// still fires at its time. A sooner deadline replaces the task.
    private func arm(_ delay: Duration, _ fire: @escaping (EdgeConnection) -> Void) {
        let at = NIODeadline.now() + EdgeLimits.timeAmount(delay)
        due = (at, fire)
        if timer != nil, let timerAt, timerAt <= at { return }
        schedule(at)
    }

    private func schedule(_ at: NIODeadline) {
        cancel(&timer)
        guard let context else { return }
        timerAt = at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [self] in
            timer = nil
            timerAt = nil
            guard let due else { return }
            if due.at <= NIODeadline.now() {
                self.due = nil
                due.fire(self)
            } else {
                schedule(due.at)
            }
        }
    }

    private func cancel(_ scheduled: inout Scheduled<Void>?) {
        scheduled?.cancel()
        scheduled = nil
    }
}
