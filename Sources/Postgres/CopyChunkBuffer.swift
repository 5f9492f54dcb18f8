internal import CLibPQ

/// The bytes of a running `COPY … FROM STDIN`, sent to the server in chunks of about 64 KiB.
/// Shared by the text and binary writers.
struct CopyChunkBuffer {
    /// Bytes buffered before a chunk is sent.
    static let chunkSize = 64 * 1024

    private let handle: OpaquePointer
    /// What is not sent yet; writers append to it.
    var bytes: [UInt8]
    /// Set when sending a chunk failed; the server's error is read by the connection.
    private(set) var sendFailed = false

    init(handle: OpaquePointer) {
        self.handle = handle
        bytes = []
        bytes.reserveCapacity(Self.chunkSize + 4096)
    }

    /// Sends a chunk when enough is buffered.
    @inline(__always)
    mutating func flushIfFull() throws(PostgresError) {
        if bytes.count >= Self.chunkSize { try flush() }
    }

    /// Sends what is buffered.
    mutating func flush() throws(PostgresError) {
        guard !bytes.isEmpty else { return }
        let handle = handle
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        bytes.removeAll(keepingCapacity: true)
        if status != 1 {
            sendFailed = true
            throw PostgresError(kind: .copy, message: "sending COPY data failed: \(Connection.clean(String(cString: PQerrorMessage(handle))))")
        }
    }
}
