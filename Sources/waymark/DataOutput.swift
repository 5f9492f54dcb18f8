import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A write that failed: the path (or "standard output") and the OS error. Exit 1.
struct WriteFailure: Error, CustomStringConvertible {
    var path: String
    var reason: String

    init(path: String, errno code: Int32) {
        self.path = path
        reason = String(cString: strerror(code))
    }

    var description: String { "cannot write to \(path): \(reason)" }
}

/// Writes every byte of `bytes` to `descriptor`, retrying short writes and EINTR.
/// - Throws: ``WriteFailure`` naming `path` and the OS error (ENOSPC on a full disk, EFBIG past
///   the file-size limit, EPIPE when the reader went away).
func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws(WriteFailure) {
    var offset = 0
    while offset < bytes.count {
        let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written < 0 {
            if errno == EINTR { continue }
            throw WriteFailure(path: path, errno: errno)
        }
        offset += written
    }
}

/// Where a data command writes: standard output, or a file given with `--out`.
///
/// A regular file (or a path that does not exist yet) is written under a temporary name in the
/// same directory and renamed into place by ``finish()`` only when every write succeeded, so a
/// reader never sees a partial file. A device, a FIFO or any other special file is written in
/// place and never replaced; a symbolic link is followed (its target is written), not replaced.
final class DataOutput {
    /// The name used in messages.
    let path: String
    private var descriptor: Int32
    /// The temporary file and the path it is renamed to, for a regular file.
    private var pending: (temporary: String, final: String)?
    private var finished = false

    /// Standard output.
    static func standardOutput() -> DataOutput { DataOutput(path: "standard output", descriptor: 1, pending: nil) }

    private init(path: String, descriptor: Int32, pending: (temporary: String, final: String)?) {
        self.path = path
        self.descriptor = descriptor
        self.pending = pending
    }

    /// Opens `path` for writing as the type says.
    /// - Throws: ``WriteFailure`` when the file (or its temporary) cannot be created.
    convenience init(path: String) throws(WriteFailure) {
        // Follow a symbolic link to what it names (a dangling one: to the path it names).
        var target = path
        var status = stat()
        if lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK {
            if let resolved = realpath(path, nil) {
                target = String(cString: resolved)
                free(resolved)
            } else {
                let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
                guard descriptor >= 0 else { throw WriteFailure(path: path, errno: errno) }
                self.init(path: path, descriptor: descriptor, pending: nil)
                return
            }
        }
        let exists = stat(target, &status) == 0
        if exists, (status.st_mode & S_IFMT) != S_IFREG {
            // A device, a FIFO, a socket: written in place, never replaced.
            let descriptor = open(target, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw WriteFailure(path: path, errno: errno) }
            self.init(path: path, descriptor: descriptor, pending: nil)
            return
        }
        let url = URL(fileURLWithPath: target)
        let directory = url.deletingLastPathComponent().path
        var template = Array((directory + "/." + url.lastPathComponent + ".waymark-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw WriteFailure(path: path, errno: errno) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // Keep an existing file's permissions; a new one gets the usual 0666 less the umask.
        let mask = umask(0)
        umask(mask)
        _ = fchmod(descriptor, exists ? status.st_mode & 0o7777 : 0o666 & ~mask)
        self.init(path: path, descriptor: descriptor, pending: (temporary, target))
    }

    /// Writes `bytes`.
    func write(_ bytes: some Sequence<UInt8>) throws(WriteFailure) {
        let array = Array(bytes)
        let descriptor = self.descriptor
        let path = self.path
        let result: Result<Void, WriteFailure> = array.withUnsafeBytes { buffer in
            do throws(WriteFailure) { try writeAll(buffer, to: descriptor, path: path); return .success(()) } catch { return .failure(error) }
        }
        try result.get()
    }

    /// Writes `text` as UTF-8.
    func write(_ text: String) throws(WriteFailure) {
        try write(text.utf8)
    }

    /// Flushes and closes the file, and renames a temporary into place.
    /// - Throws: ``WriteFailure`` when the data did not reach the file (fsync or close failed) or the rename failed.
    func finish() throws(WriteFailure) {
        guard !finished else { return }
        finished = true
        guard descriptor != 1 else { return }
        if let pending {
            if fsync(descriptor) != 0 {
                let code = errno
                _ = close(descriptor)
                unlink(pending.temporary)
                throw WriteFailure(path: path, errno: code)
            }
        }
        if close(descriptor) != 0 {
            let code = errno
            if let pending { unlink(pending.temporary) }
            throw WriteFailure(path: path, errno: code)
        }
        if let pending, rename(pending.temporary, pending.final) != 0 {
            let code = errno
            unlink(pending.temporary)
            throw WriteFailure(path: path, errno: code)
        }
    }

    deinit {
        // Not finished: an error happened; leave no temporary behind.
        if !finished, descriptor != 1 {
            _ = close(descriptor)
            if let pending { unlink(pending.temporary) }
        }
    }
}
