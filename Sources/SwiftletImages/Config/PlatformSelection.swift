/// Picks the manifest for `platform` from a multi-platform index, as containerd's
/// `platforms.Only` matcher does: among the entries whose platform `platform` can run (see
/// `Platform.compatiblePlatforms`), the one earliest in that preference order; ties keep index
/// order. Entries without a platform are taken only when no entry matches; entries that are not
/// manifests or indexes (attestations have `unknown/unknown` platforms) never match.
/// - Returns: the chosen descriptor, or nil when no entry fits.
public func selectManifest(from index: ImageIndex, for platform: Platform) -> Descriptor? {
    let preferences = platform.compatiblePlatforms
    var best: (rank: Int, descriptor: Descriptor)?
    var unplatformed: Descriptor?
    for descriptor in index.manifests
    where MediaType.isManifest(descriptor.mediaType) || MediaType.isIndex(descriptor.mediaType) {
        guard let candidate = descriptor.platform else {
            if unplatformed == nil { unplatformed = descriptor }
            continue
        }
        guard let rank = preferences.firstIndex(where: { $0.matches(candidate) }) else { continue }
        if best == nil || rank < best!.rank { best = (rank, descriptor) }
    }
    return best?.descriptor ?? unplatformed
}
