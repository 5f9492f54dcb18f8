// The entry point of every fuzz target: hands the command line to libFuzzer's driver.
//
// SwiftPM renames an executable's `main` to `<module>_main` and links `main` to it, so libFuzzer's
// own `main` cannot be used; the target's `@main` calls `LLVMFuzzerRunDriver` instead, which is
// in the libFuzzer runtime that `-sanitize=fuzzer` links.
internal import Glibc

/// One libFuzzer input: the bytes (nil when empty) and their count; returns 0.
package typealias FuzzTest = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ test: FuzzTest
) -> CInt

/// Runs libFuzzer with this process's arguments (`-max_len=…`, corpus directories…) on `test`.
package func runLibFuzzer(_ test: FuzzTest) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}

/// The input as a buffer (empty for a nil start).
package func fuzzInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: count > 0 ? start : nil, count: count)
}
