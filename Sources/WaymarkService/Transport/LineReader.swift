#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads newline-framed messages from a file descriptor, with a size limit per line.
///
/// A line ends with LF; a CR before it is dropped. A line longer than the limit is never held
/// whole: its bytes are discarded as they arrive, up to its newline, and it is reported as
/// ``Event/oversize(bytes:)``. A last line without a newline counts as a line.
struct LineReader {
    enum Event: Equatable {
        /// A line's bytes, without the newline (possibly empty).
        case line([UInt8])
        /// A line over the limit was skipped; `bytes` is how long it was (without the newline).
        case oversize(bytes: Int)
        /// `read` was interrupted by a signal before a line was complete.
        case interrupted
        /// The end of the input.
        case end
    }

    let fileDescriptor: Int32
    let maximumLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where to resume looking for a newline (bytes before it have none).
    private var scanned = 0
    /// Bytes of an oversize line discarded so far, while skipping it.
    private var discarding: Int?
    private var reachedEnd = false
    private static let chunkSize = 64 * 1024

    init(fileDescriptor: Int32, maximumLineBytes: Int) {
        self.fileDescriptor = fileDescriptor
        self.maximumLineBytes = maximumLineBytes
        buffer.reserveCapacity(Self.chunkSize * 2)
    }

    /// Whether a complete line is already buffered (so the next ``next()`` will not block).
    var hasBufferedLine: Bool {
        buffer[scanned...].contains(UInt8(ascii: "\n")) || (reachedEnd && start < buffer.count)
    }

    /// The next line, blocking on `read` as needed.
    mutating func next() -> Event {
        while true {
            if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                if let skipped = discarding {
                    let total = skipped + (newline - start)
                    consume(through: newline)
                    discarding = nil
                    return .oversize(bytes: total)
                }
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let length = end - start
                let line = length > maximumLineBytes ? nil : Array(buffer[start..<end])
                consume(through: newline)
                if let line { return .line(line) }
                return .oversize(bytes: length)
            }
            scanned = buffer.count
            let pending = buffer.count - start
            if let skipped = discarding {
                discarding = skipped + pending
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            } else if pending > maximumLineBytes + 1 {  // + 1: room for a CR before the LF
                discarding = pending
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            if reachedEnd {
                if let skipped = discarding {
                    discarding = nil
                    return .oversize(bytes: skipped)
                }
                guard start < buffer.count else { return .end }
                var end = buffer.count
                if buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = Array(buffer[start..<end])
                buffer.removeAll()
                start = 0
                scanned = 0
                return line.count > maximumLineBytes ? .oversize(bytes: line.count) : .line(line)
            }
            switch fill() {
            case .data: continue
            case .end: reachedEnd = true
            case .interrupted: return .interrupted
            }
        }
    }

    private mutating func consume(through newline: Int) {
        start = newline + 1
        scanned = start
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        } else if start >= Self.chunkSize {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
    }

    private enum Fill { case data, end, interrupted }

    private mutating func fill() -> Fill {
        let wake = TerminationSignal.wakeDescriptor
        if wake >= 0 {
            // Wait for input or for the termination signal's wake-up byte, whichever comes
            // first: a signal may be delivered to another thread, so EINTR alone is not enough.
            var descriptors = [pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 { return errno == EINTR ? .interrupted : .end }
            if descriptors[1].revents != 0 && descriptors[0].revents == 0 { return .interrupted }
            if TerminationSignal.isRaised { return .interrupted }
        }
        let previous = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: Self.chunkSize))
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            read(fileDescriptor, pointer.baseAddress! + previous, Self.chunkSize)
        }
        let errorNumber = errno
        buffer.removeLast(Self.chunkSize - max(count, 0))
        if count > 0 { return .data }
        if count == 0 { return .end }
        if errorNumber == EINTR || errorNumber == EAGAIN { return .interrupted }
        return .end  // EBADF, EIO: nothing more can be read
    }
}
