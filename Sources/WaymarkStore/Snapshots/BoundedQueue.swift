import Foundation
import Synchronization

/// A blocking first-in first-out queue of bounded capacity between threads.
///
/// `push` waits while the queue is full; `pop` waits while it is empty and returns nil once the
/// queue is closed and drained. `cancel` wakes everyone: pushes are then dropped and pops
/// return nil, so a failure on one thread stops the pipeline without deadlock.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private var cancelled = false

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Adds an element, waiting for room. Returns false when the queue was cancelled.
    @discardableResult
    func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        precondition(!closed, "push after close")
        items.append(element)
        condition.broadcast()
        return true
    }

    /// The next element, waiting for one; nil when closed and empty, or cancelled.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed && !cancelled { condition.wait() }
        if cancelled || head == items.count { return nil }
        let element = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return element
    }

    /// No more elements will be pushed.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops everyone: pending and future pushes are dropped, pops return nil.
    func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }
}

/// The first error raised by any thread of a pipeline.
final class FirstError: Sendable {
    private let stored = Mutex<(any Error)?>(nil)

    func record(_ error: any Error) {
        stored.withLock { if $0 == nil { $0 = error } }
    }

    var error: (any Error)? {
        stored.withLock { $0 }
    }
}

/// Runs `body` on a new thread; `join()` waits for it (the first call; later ones return at once).
final class WorkerThread: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let joined = Mutex(false)

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let done = self.done
        let thread = Thread {
            body()
            done.signal()
        }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
    }

    func join() {
        joined.withLock { joined in
            if !joined {
                done.wait()
                joined = true
            }
        }
    }
}
