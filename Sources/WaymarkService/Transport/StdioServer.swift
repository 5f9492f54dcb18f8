#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
package import Logging
import Synchronization

/// The newline-framed transport: reads requests from one file descriptor, writes one response
/// line each to another, in request order.
///
/// A single owner, synchronous: one request at a time, so pipelined requests are answered in
/// the order they came. The lines already buffered are handed to the service together
/// (``RPCService/handle(lines:shouldStop:answer:)``), so it can prepare runs of calls at once.
/// Output is flushed whenever no further complete request is already buffered, so a client
/// waiting for an answer always gets it; under pipelining, answers go out in larger writes.
/// The file descriptors are injected, so tests drive it over pipes.
///
/// It stops at the end of the input, after `shutdown`, or when ``TerminationSignal`` was raised
/// (SIGTERM), always after finishing the request in hand.
package final class StdioServer {
    private var reader: LineReader
    private let outputDescriptor: Int32
    private let service: RPCService
    private let logger: Logger
    private var output: [UInt8] = []
    private var outputBroken = false

    /// - Parameters:
    ///   - input: Where requests come from (standard input: 0).
    ///   - output: Where responses go (standard output: 1); nothing else is ever written there.
    ///   - maximumLineBytes: The longest line read; a longer one is skipped and answered with -32600.
    package init(input: Int32, output: Int32, maximumLineBytes: Int, service: RPCService,
                 logger: Logger = Logger(label: "waymark.serve", factory: { _ in SwiftLogNoOpLogHandler() })) {
        reader = LineReader(fileDescriptor: input, maximumLineBytes: maximumLineBytes)
        outputDescriptor = output
        self.service = service
        self.logger = logger
    }

    /// Why the server stopped.
    package enum Stop: Sendable, Equatable {
        case endOfInput, shutdown, terminated, outputClosed
    }

    /// Serves until the input ends, `shutdown` is called, SIGTERM arrives or stdout closes.
    @discardableResult
    package func run() -> Stop {
        // A client that goes away must not kill the server with SIGPIPE; write reports EPIPE.
        signal(SIGPIPE, SIG_IGN)
        defer { flush() }
        var lines: [[UInt8]] = []
        while true {
            if TerminationSignal.isRaised { return .terminated }
            if outputBroken { return .outputClosed }
            if !reader.hasBufferedLine { flush() }
            // Every complete line already read (up to a limit) is handled as one group, so that
            // pipelined calls can be prepared together (one database round trip for a run of
            // `recommend`s); they are still answered one by one, in order.
            lines.removeAll(keepingCapacity: true)
            var other: LineReader.Event?
            repeat {
                let event = reader.next()
                guard case .line(let bytes) = event else {
                    other = event
                    break
                }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }  // empty lines are ignored
                lines.append(bytes)
            } while lines.count < Self.maximumGroup && reader.hasBufferedLine
            if !lines.isEmpty {
                service.handle(lines: lines, shouldStop: { TerminationSignal.isRaised || outputBroken }, answer: emit)
                if service.shutdownRequested { return .shutdown }
                if TerminationSignal.isRaised { return .terminated }
            }
            switch other {
            case nil, .interrupted?, .line?:
                continue
            case .end?:
                return .endOfInput
            case .oversize(let bytes)?:
                logger.warning("skipped an oversize line", metadata: ["bytes": "\(bytes)", "limit": "\(reader.maximumLineBytes)"])
                emit(RPCService.oversizeLineResponse(limit: reader.maximumLineBytes))
            }
        }
    }

    /// The most lines handled as one group.
    static let maximumGroup = 128

    private func emit(_ response: [UInt8]) {
        output.append(contentsOf: response)
        output.append(UInt8(ascii: "\n"))
        if output.count >= 64 * 1024 { flush() }
    }

    private func flush() {
        guard !output.isEmpty, !outputBroken else { return }
        var written = 0
        output.withUnsafeBytes { bytes in
            while written < bytes.count {
                let count = write(outputDescriptor, bytes.baseAddress! + written, bytes.count - written)
                if count > 0 {
                    written += count
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    outputBroken = true
                    return
                }
            }
        }
        if outputBroken { logger.notice("the output was closed; stopping") }
        output.removeAll(keepingCapacity: true)
    }
}

/// The process-wide "please stop" flag that SIGTERM raises.
///
/// ``install()`` sets a handler for SIGTERM (and SIGINT) without `SA_RESTART`, so a blocked
/// `read` returns and the server stops after the request in hand. Call it on the thread that
/// runs the server (it unblocks the signals there).
package enum TerminationSignal {
    private static let raised = Atomic<Bool>(false)
    private static let wakeWriter = Atomic<Int32>(-1)
    private static let wakeReader = Atomic<Int32>(-1)

    /// The read end of the self-pipe the handler writes a byte to (-1 before ``install()``).
    static var wakeDescriptor: Int32 { wakeReader.load(ordering: .relaxed) }

    /// Whether SIGTERM or SIGINT arrived.
    package static var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Raises the flag by hand (what the signal handler does).
    package static func raise() {
        raised.store(true, ordering: .relaxed)
        let writer = wakeWriter.load(ordering: .relaxed)
        if writer >= 0 {
            var byte: UInt8 = 1
            _ = write(writer, &byte, 1)  // async-signal-safe; a full pipe is fine
        }
    }

    /// Installs the handler for SIGTERM and SIGINT.
    package static func install() {
        var descriptors: [Int32] = [-1, -1]
        if wakeReader.load(ordering: .relaxed) < 0, pipe(&descriptors) == 0 {
            _ = fcntl(descriptors[1], F_SETFL, O_NONBLOCK)
            wakeWriter.store(descriptors[1], ordering: .relaxed)
            wakeReader.store(descriptors[0], ordering: .relaxed)
        }
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = { _ in TerminationSignal.raise() }
        #else
        action.__sigaction_u.__sa_handler = { _ in TerminationSignal.raise() }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGINT, &action, nil)
        // A parent may have spawned us with these blocked (the mask is inherited): unblock them.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}
