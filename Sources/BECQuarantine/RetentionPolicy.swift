import Foundation

/// How long quarantined messages are kept. Purging removes whole records (message, verdict and
/// audit trail), oldest first, whatever their status.
public struct RetentionPolicy: Sendable, Equatable {
    /// Records received longer ago than this are purged; nil keeps them forever.
    public var maxAge: TimeInterval?
    /// Then the oldest records are purged until the stored message bytes total at most this; nil means no cap.
    public var maxTotalBytes: Int?

    public init(maxAge: TimeInterval? = 30 * 86_400, maxTotalBytes: Int? = nil) {
        self.maxAge = maxAge
        self.maxTotalBytes = maxTotalBytes
    }
}

/// What a purge removed.
public struct PurgeResult: Sendable, Equatable {
    public var byAge: Int
    public var bySize: Int
    public var bytesFreed: Int

    public init(byAge: Int = 0, bySize: Int = 0, bytesFreed: Int = 0) {
        self.byAge = byAge
        self.bySize = bySize
        self.bytesFreed = bytesFreed
    }

    public var total: Int { byAge + bySize }
}
