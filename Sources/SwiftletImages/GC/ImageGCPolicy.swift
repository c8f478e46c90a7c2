/// When the image garbage collector removes images: kubelet's `imageGC*` settings.
public struct ImageGCPolicy: Sendable, Hashable {
    /// Disk usage (percent of the image filesystem) at or above which a collection frees space.
    public var highThresholdPercent: Int
    /// Disk usage (percent) a collection frees space down to.
    public var lowThresholdPercent: Int
    /// Images stored more recently than this (seconds) are never removed.
    public var minimumAgeSeconds: Double
    /// Unused images not used for this long (seconds) are removed whatever the disk usage;
    /// 0 turns this off.
    public var maximumAgeSeconds: Double

    /// Kubelet's defaults: 85 %, 80 %, 2 minutes, off.
    public init(highThresholdPercent: Int = 85, lowThresholdPercent: Int = 80,
                minimumAgeSeconds: Double = 120, maximumAgeSeconds: Double = 0) {
        self.highThresholdPercent = highThresholdPercent
        self.lowThresholdPercent = lowThresholdPercent
        self.minimumAgeSeconds = minimumAgeSeconds
        self.maximumAgeSeconds = maximumAgeSeconds
    }

    /// Checks the thresholds the way kubelet validates them.
    /// - Throws: `ImageStoreError.invalid` naming the field.
    public func validate() throws {
        guard (0...100).contains(highThresholdPercent) else {
            throw ImageStoreError.invalid("imageGCHighThresholdPercent: must be between 0 and 100, got \(highThresholdPercent)")
        }
        guard (0...100).contains(lowThresholdPercent) else {
            throw ImageStoreError.invalid("imageGCLowThresholdPercent: must be between 0 and 100, got \(lowThresholdPercent)")
        }
        guard highThresholdPercent == 100 || lowThresholdPercent < highThresholdPercent else {
            throw ImageStoreError.invalid(
                "imageGCLowThresholdPercent (\(lowThresholdPercent)) must be less than imageGCHighThresholdPercent (\(highThresholdPercent))")
        }
        guard minimumAgeSeconds >= 0, maximumAgeSeconds >= 0 else {
            throw ImageStoreError.invalid("imageMinimumGCAge and imageMaximumGCAge must not be negative")
        }
    }
}

/// What one collection did.
public struct ImageGCResult: Sendable {
    /// The records removed, oldest use first.
    public var removed: [ImageRecord]
    /// Unpacked layer directories removed (their chain IDs).
    public var removedLayers: [String]
    /// Free bytes on the image filesystem before and after.
    public var availableBefore: Int64
    public var availableAfter: Int64
    /// Disk usage in percent before and after.
    public var usagePercentBefore: Int
    public var usagePercentAfter: Int
    /// Bytes the thresholds asked to free (0 when usage was below the high threshold).
    public var bytesToFree: Int64
    /// Set when the thresholds asked for more than removing every eligible image freed.
    public var shortfall: String?

    /// Bytes freed on the image filesystem (its free space before and after; 0 when nothing
    /// was removed, since other writers change the free space too).
    public var freedBytes: Int64 {
        removed.isEmpty && removedLayers.isEmpty ? 0 : max(0, availableAfter - availableBefore)
    }
}
