import BECRules
import CMilter
import Foundation
import Logging

public enum MilterServerError: Error, CustomStringConvertible {
    case badSocket(String)
    case libmilter(String)
    case system(String, Int32)

    public var description: String {
        switch self {
        case let .badSocket(s): return "bad socket '\(s)': use unix:/path or inet:port@host"
        case let .libmilter(s): return s
        case let .system(call, e): return "\(call): \(String(cString: strerror(e)))"
        }
    }
}

/// Runs the milter: opens the socket, serves connections through libmilter until SIGTERM or
/// SIGINT, then stops accepting (smfi_stop) and drains messages in flight. SIGHUP reloads the
/// configuration, SIGUSR1 logs the counters.
public final class MilterServer: Sendable {
    public let engine: MilterEngine
    public let socket: SocketSpec
    private let stopping = Locked(0)

    public init(engine: MilterEngine, socket: String) throws {
        guard let spec = SocketSpec(socket) else { throw MilterServerError.badSocket(socket) }
        self.engine = engine
        self.socket = spec
    }

    /// Serves until stopped; returns after the drain.
    ///
    /// Draining: libmilter's worker pool stops serving every connection as soon as smfi_stop is
    /// called, so the drain comes first. On SIGTERM the unix socket is unlinked and new
    /// connections are refused at negotiation (Postfix applies milter_default_action), messages
    /// in flight finish (up to `max(milter.timeout_seconds, 5)` seconds), then smfi_stop.
    public func run() async throws {
        let log = engine.logger
        let settings = engine.configuration.settings
        try SignalRelay.install { [self] sig in handle(sig) }
        try open(settings: settings)
        installedEngine.withLock { $0 = engine }
        log.notice("listening on \(socket) (configuration generation \(engine.configuration.generation), \(engine.configuration.files.count) files)")
        let mainResult = Locked<Int32?>(nil)
        let t = Thread {
            SignalRelay.blockSignalsInThisThread()
            let rc = smfi_main()
            mainResult.withLock { $0 = rc }
        }
        t.name = "bec-milter libmilter"
        t.stackSize = 1 << 20
        t.start()
        while mainResult.current == nil && stopping.current == 0 {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        var left = 0
        if mainResult.current == nil {
            log.notice("draining \(engine.messagesInFlight) message(s) in flight; new connections are refused")
            left = await engine.drain(timeout: Double(max(settings.timeoutSeconds, 5))) { [stopping] in stopping.current > 1 }
            _ = smfi_stop()
            while mainResult.current == nil { try? await Task.sleep(nanoseconds: 50_000_000) }
        }
        if case let .unix(path) = socket { unlink(path) }
        let rc = mainResult.current ?? MI_FAILURE
        log.notice("stopped (smfi_main returned \(rc)); \(left) message(s) left in flight; \(engine.stats.summary)")
        if rc != MI_SUCCESS { throw MilterServerError.libmilter("smfi_main failed") }
    }

    private func handle(_ sig: Int32) {
        let log = engine.logger
        switch sig {
        case SIGHUP:
            log.notice("SIGHUP: reloading configuration")
            engine.reload()
        case SIGUSR1:
            log.notice("counters: \(engine.stats.summary)")
        default:
            let n = stopping.withLock { $0 += 1; return $0 }
            if n == 1 {
                log.notice("signal \(sig): stopping")
                engine.beginDrain()
                // Why unlink first: Postfix then gets "no such file" at once for new sessions
                // instead of queueing on a socket nobody will accept from.
                if case let .unix(path) = socket { unlink(path) }
            } else {
                log.warning("signal \(sig) again: stopping without waiting for the drain")
            }
        }
    }

    /// Registers the callbacks and opens the socket now, so a bad socket fails the start loudly.
    private func open(settings: MilterSettings) throws {
        guard let name = strdup("bec-milter") else { throw MilterServerError.system("strdup", ENOMEM) }
        guard smfi_register(LibmilterCallbacks.descriptor(name: name)) == MI_SUCCESS else {
            throw MilterServerError.libmilter("smfi_register failed")
        }
        if case let .unix(path) = socket { try Self.prepareDirectory(for: path) }
        let conn = socket.description
        guard conn.withCString({ smfi_setconn(UnsafeMutablePointer(mutating: $0)) }) == MI_SUCCESS else {
            throw MilterServerError.libmilter("smfi_setconn(\(conn)) failed")
        }
        // libmilter's timeout is how long it waits for the MTA's next command, which includes an
        // SMTP client's think time; below Postfix's smtpd_timeout (300 s) it would cut slow but
        // healthy sessions. The scan deadline is milter.timeout_seconds (see MilterEngine.scan).
        _ = smfi_settimeout(Int32(max(settings.timeoutSeconds, 600)))
        // Why a deep backlog: Postfix connects to the milter without blocking, so when more new
        // SMTP sessions arrive than libmilter's single accept loop has taken (a burst, a loaded
        // host) the connect fails with EAGAIN and the session gets milter_default_action (451).
        // 128 let 25-55 of 200 simultaneous sessions fail in Tests/Integration/load_test.sh; the
        // kernel caps the value at net.core.somaxconn (4096 on current Linux).
        _ = smfi_setbacklog(4096)
        let mode = mode_t(settings.socketMode, radix: 8) ?? 0o660
        let oldMask = umask(~mode & 0o777)
        let opened = smfi_opensocket(1)
        umask(oldMask)
        guard opened == MI_SUCCESS else {
            throw MilterServerError.libmilter("cannot open \(conn) (in use, or no permission?)")
        }
        switch socket {
        case let .unix(path):
            chmod(path, mode)
        case let .inet(port, _, _):
            let n = SocketTuning.setNoDelayOnListeners(port: port)
            engine.logger.info("TCP_NODELAY set on \(n) listening socket(s) for port \(port)")
        }
    }

    /// Creates the socket's directory when missing (the embedded default lives under /tmp).
    static func prepareDirectory(for path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) { return }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw MilterServerError.libmilter("cannot create socket directory \(dir): \(error.localizedDescription)")
        }
    }
}

/// Socket options libmilter does not set.
enum SocketTuning {
    /// Sets TCP_NODELAY on our listening TCP sockets for `port` (libmilter does not expose its
    /// descriptor). Accepted sockets inherit it on Linux, so the small replies at end of message
    /// (one write per header edit) are no longer held back by Nagle's algorithm until the MTA's
    /// delayed ACK, about 40 ms per exchange. Returns how many sockets were changed.
    static func setNoDelayOnListeners(port: UInt16) -> Int {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap { Int32($0) } ?? Array(0..<1024)
        var changed = 0
        for fd in fds where isListeningTCP(fd, port: port) {
            var one: Int32 = 1
            if setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 { changed += 1 }
        }
        return changed
    }

    private static func isListeningTCP(_ fd: Int32, port: UInt16) -> Bool {
        var listening: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0, listening == 1 else { return false }
        var storage = sockaddr_storage()
        var slen = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &slen) == 0 }
        }
        guard ok else { return false }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) == port } }
        case AF_INET6:
            return withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) == port } }
        default:
            return false
        }
    }
}
