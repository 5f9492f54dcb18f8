import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkLifetime
import WaymarkStore

/// The exit codes of `waymark` (README, "Exit codes").
enum ExitCodes {
    static let failure: Int32 = 1
    static let invalidInput: Int32 = 2
    static let databaseUnavailable: Int32 = 3
    static let locked: Int32 = 4
}

/// Runs a command body, turning its errors into a message on stderr and the documented exit code.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as ValidationError {
        throw error
    } catch {
        let (message, code) = describe(error)
        printError("error: " + message)
        throw ExitCode(code)
    }
}

/// A message and an exit code for any error.
func describe(_ error: any Error) -> (String, Int32) {
    if let classified = StoreError.classifying(databaseFailure: error) { return describe(classified) }
    switch error {
    case let error as WriteFailure:
        return (error.description, ExitCodes.failure)
    case let error as CatalogError:
        return (error.description + "\nnothing was stored", ExitCodes.invalidInput)
    case let error as LifetimeError:
        return ("\(error)", error.code == .fitFailed ? ExitCodes.failure : ExitCodes.invalidInput)
    case let error as StoreError:
        switch error.code {
        case .invalidInput: return (error.message, ExitCodes.invalidInput)
        case .invalidRows:
            // A bad header leaves no good row to import: only the rows' problems can be set aside.
            let hint = !error.issues.isEmpty && error.issues.allSatisfy(\.inHeader)
                ? "nothing was imported (fix the header above: the first line names the columns)"
                : "nothing was imported (fix the rows above, or pass --reject-file FILE to import the good rows)"
            return (error.message + "\n" + hint, ExitCodes.invalidInput)
        case .databaseUnavailable: return (error.message, ExitCodes.databaseUnavailable)
        case .locked: return (error.message, ExitCodes.locked)
        case .noCatalog: return (error.message + ": load one with waymark catalog load FILE", ExitCodes.failure)
        case .noPublishedRun:
            // The hint only when the message does not say already what to run or widen.
            return (error.message.contains("waymark ") ? error.message : error.message + ": run waymark score first", ExitCodes.failure)
        case .runNotFound: return (error.message + ": see waymark runs list", ExitCodes.failure)
        default: return (error.message, ExitCodes.failure)
        }
    default:
        return (String(describing: error), ExitCodes.failure)
    }
}

/// Reports a catalog that does not validate, for the commands that print its diagnostics as they
/// are (each line names `file:line:column`), then `trailer` when given. The exit code is the one
/// `describe` maps `CatalogError` to.
func catalogFailure(_ error: CatalogError, trailer: String? = nil) -> ExitCode {
    writeStandardError(error.description + (trailer.map { "\n" + $0 } ?? "") + "\n")
    return ExitCode(describe(error).1)
}

/// Writes a line to stderr, prefixed with `waymark: `.
func printError(_ message: String) {
    writeStandardError("waymark: " + message + "\n")
}

/// Writes text to stderr; a failure is ignored (there is nowhere left to report it), never a crash.
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        do throws(WriteFailure) { try writeAll(UnsafeRawBufferPointer(bytes), to: 2, path: "standard error") } catch {}
    }
}

/// Writes text to stdout as is.
/// - Throws: ``WriteFailure`` (exit 1, "cannot write to standard output: …") when stdout
///   refuses it: a full disk, a closed pipe.
func writeOutput(_ text: String) throws(WriteFailure) {
    var text = text
    let result: Result<Void, WriteFailure> = text.withUTF8 { bytes in
        do throws(WriteFailure) { try writeAll(UnsafeRawBufferPointer(bytes), to: 1, path: "standard output"); return .success(()) } catch { return .failure(error) }
    }
    try result.get()
}

/// Whether stderr is a terminal (for progress lines).
var standardErrorIsTerminal: Bool { isatty(2) == 1 }
