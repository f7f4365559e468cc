import Foundation

/// The write end of the signal pipe; set once before any handler is installed.
nonisolated(unsafe) private var signalPipeWriteFD: Int32 = -1

/// Async-signal-safe: writes the signal number to the pipe and nothing else.
private func relaySignal(_ signal: Int32) {
    var byte = UInt8(truncatingIfNeeded: signal)
    _ = write(signalPipeWriteFD, &byte, 1)
}

/// Turns SIGHUP, SIGTERM, SIGINT and SIGUSR1 into calls on a thread of our own.
///
/// libmilter starts a thread that sigwait()s for SIGHUP, SIGTERM and SIGINT and stops the milter
/// on any of them, and blocks them in the thread that calls smfi_main. The main thread never
/// calls smfi_main and keeps the signals unblocked with these handlers installed; Linux delivers a
/// process-directed signal to the main thread when it can take it, so SIGHUP reloads instead of
/// stopping, and SIGTERM goes through smfi_stop and the drain.
enum SignalRelay {
    static let signals: [Int32] = [SIGHUP, SIGTERM, SIGINT, SIGUSR1]

    /// Installs the handlers and starts the relay thread, which calls `handler` for each signal.
    static func install(_ handler: @escaping @Sendable (Int32) -> Void) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw MilterServerError.system("pipe", errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        signalPipeWriteFD = fds[1]
        let readFD = fds[0]
        let thread = Thread {
            blockSignalsInThisThread()
            var byte: UInt8 = 0
            while true {
                let n = read(readFD, &byte, 1)
                if n == 1 { handler(Int32(byte)) } else if n < 0 && errno == EINTR { continue } else { return }
            }
        }
        thread.name = "bec-milter signals"
        thread.start()
        _ = signal(SIGPIPE, SIG_IGN)
        for s in signals { _ = signal(s, relaySignal) }
    }

    /// Blocks the relayed signals in the calling thread (and the threads it creates).
    static func blockSignalsInThisThread() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
