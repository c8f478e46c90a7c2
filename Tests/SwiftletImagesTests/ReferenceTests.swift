import Foundation
import SwiftletImages
import Testing

private let sha256F = "sha256:" + String(repeating: "f", count: 64)
private let sha512F = "sha512:" + String(repeating: "f", count: 128)

/// A valid input and what it normalises to.
struct ValidReferenceCase: CustomTestStringConvertible, Sendable {
    var input: String
    var domain: String
    var path: String
    var tag: String? = nil
    var digest: String? = nil
    var full: String
    var familiar: String
    var testDescription: String { input }
}

/// An invalid input and a fragment of the rule its error must name.
struct InvalidReferenceCase: CustomTestStringConvertible, Sendable {
    var input: String
    var rule: String
    var testDescription: String { input }
}

// Cases follow distribution/reference's reference_test.go and normalize_test.go, through the
// normalising parser that kubelet and Docker use.
let validReferences: [ValidReferenceCase] = [
    .init(input: "busybox", domain: "docker.io", path: "library/busybox", full: "docker.io/library/busybox:latest", familiar: "busybox"),
    .init(input: "busybox:latest", domain: "docker.io", path: "library/busybox", tag: "latest", full: "docker.io/library/busybox:latest", familiar: "busybox"),
    .init(input: "busybox:1.36", domain: "docker.io", path: "library/busybox", tag: "1.36", full: "docker.io/library/busybox:1.36", familiar: "busybox:1.36"),
    .init(input: "test_com", domain: "docker.io", path: "library/test_com", full: "docker.io/library/test_com:latest", familiar: "test_com"),
    .init(input: "test.com:tag", domain: "docker.io", path: "library/test.com", tag: "tag", full: "docker.io/library/test.com:tag", familiar: "test.com:tag"),
    .init(input: "test.com:5000", domain: "docker.io", path: "library/test.com", tag: "5000", full: "docker.io/library/test.com:5000", familiar: "test.com:5000"),
    .init(input: "test.com/repo:tag", domain: "test.com", path: "repo", tag: "tag", full: "test.com/repo:tag", familiar: "test.com/repo:tag"),
    .init(input: "test:5000/repo", domain: "test:5000", path: "repo", full: "test:5000/repo:latest", familiar: "test:5000/repo"),
    .init(input: "test:5000/repo:tag", domain: "test:5000", path: "repo", tag: "tag", full: "test:5000/repo:tag", familiar: "test:5000/repo:tag"),
    .init(input: "test:5000/repo@" + sha256F, domain: "test:5000", path: "repo", digest: sha256F, full: "test:5000/repo@" + sha256F, familiar: "test:5000/repo@" + sha256F),
    .init(input: "test:5000/repo:tag@" + sha256F, domain: "test:5000", path: "repo", tag: "tag", digest: sha256F, full: "test:5000/repo:tag@" + sha256F, familiar: "test:5000/repo:tag@" + sha256F),
    .init(input: "lowercase:Uppercase", domain: "docker.io", path: "library/lowercase", tag: "Uppercase", full: "docker.io/library/lowercase:Uppercase", familiar: "lowercase:Uppercase"),
    .init(input: "sub-dom1.foo.com/bar/baz/quux", domain: "sub-dom1.foo.com", path: "bar/baz/quux", full: "sub-dom1.foo.com/bar/baz/quux:latest", familiar: "sub-dom1.foo.com/bar/baz/quux"),
    .init(input: "sub-dom1.foo.com/bar/baz/quux:some-long-tag", domain: "sub-dom1.foo.com", path: "bar/baz/quux", tag: "some-long-tag", full: "sub-dom1.foo.com/bar/baz/quux:some-long-tag", familiar: "sub-dom1.foo.com/bar/baz/quux:some-long-tag"),
    .init(input: "b.gcr.io/test.example.com/my-app:test.example.com", domain: "b.gcr.io", path: "test.example.com/my-app", tag: "test.example.com", full: "b.gcr.io/test.example.com/my-app:test.example.com", familiar: "b.gcr.io/test.example.com/my-app:test.example.com"),
    .init(input: "xn--n3h.com/myimage:xn--n3h.com", domain: "xn--n3h.com", path: "myimage", tag: "xn--n3h.com", full: "xn--n3h.com/myimage:xn--n3h.com", familiar: "xn--n3h.com/myimage:xn--n3h.com"),
    .init(input: "xn--7o8h.com/myimage:xn--7o8h.com@" + sha512F, domain: "xn--7o8h.com", path: "myimage", tag: "xn--7o8h.com", digest: sha512F, full: "xn--7o8h.com/myimage:xn--7o8h.com@" + sha512F, familiar: "xn--7o8h.com/myimage:xn--7o8h.com@" + sha512F),
    .init(input: "foo_bar.com:8080", domain: "docker.io", path: "library/foo_bar.com", tag: "8080", full: "docker.io/library/foo_bar.com:8080", familiar: "foo_bar.com:8080"),
    .init(input: "foo/foo_bar.com:8080", domain: "docker.io", path: "foo/foo_bar.com", tag: "8080", full: "docker.io/foo/foo_bar.com:8080", familiar: "foo/foo_bar.com:8080"),
    .init(input: "192.168.1.1", domain: "docker.io", path: "library/192.168.1.1", full: "docker.io/library/192.168.1.1:latest", familiar: "192.168.1.1"),
    .init(input: "192.168.1.1:5000/repo:5050", domain: "192.168.1.1:5000", path: "repo", tag: "5050", full: "192.168.1.1:5000/repo:5050", familiar: "192.168.1.1:5000/repo:5050"),
    .init(input: "192.168.1.1/repo", domain: "192.168.1.1", path: "repo", full: "192.168.1.1/repo:latest", familiar: "192.168.1.1/repo"),
    .init(input: "[2001:db8::1]/repo", domain: "[2001:db8::1]", path: "repo", full: "[2001:db8::1]/repo:latest", familiar: "[2001:db8::1]/repo"),
    .init(input: "[2001:db8:1:2:3:4:5:6]/repo:tag", domain: "[2001:db8:1:2:3:4:5:6]", path: "repo", tag: "tag", full: "[2001:db8:1:2:3:4:5:6]/repo:tag", familiar: "[2001:db8:1:2:3:4:5:6]/repo:tag"),
    .init(input: "[2001:db8::1]:5000/repo:tag@" + sha256F, domain: "[2001:db8::1]:5000", path: "repo", tag: "tag", digest: sha256F, full: "[2001:db8::1]:5000/repo:tag@" + sha256F, familiar: "[2001:db8::1]:5000/repo:tag@" + sha256F),
    .init(input: "[::1]:5000/repo", domain: "[::1]:5000", path: "repo", full: "[::1]:5000/repo:latest", familiar: "[::1]:5000/repo"),
    .init(input: "localhost/repo", domain: "localhost", path: "repo", full: "localhost/repo:latest", familiar: "localhost/repo"),
    .init(input: "localhost:5000/team/app:v1", domain: "localhost:5000", path: "team/app", tag: "v1", full: "localhost:5000/team/app:v1", familiar: "localhost:5000/team/app:v1"),
    .init(input: "index.docker.io/library/debian", domain: "docker.io", path: "library/debian", full: "docker.io/library/debian:latest", familiar: "debian"),
    .init(input: "index.docker.io/debian", domain: "docker.io", path: "library/debian", full: "docker.io/library/debian:latest", familiar: "debian"),
    .init(input: "docker.io/debian", domain: "docker.io", path: "library/debian", full: "docker.io/library/debian:latest", familiar: "debian"),
    .init(input: "docker/docker", domain: "docker.io", path: "docker/docker", full: "docker.io/docker/docker:latest", familiar: "docker/docker"),
    .init(input: "dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", domain: "docker.io", path: "dmcgowan/myapp", digest: "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", full: "docker.io/dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", familiar: "dmcgowan/myapp@sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"),
    .init(input: "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", domain: "docker.io", path: "library/busybox", tag: "latest", digest: "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", full: "docker.io/library/busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", familiar: "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"),
    .init(input: "docker.io/library/foo/bar", domain: "docker.io", path: "library/foo/bar", full: "docker.io/library/foo/bar:latest", familiar: "library/foo/bar"),
    .init(input: "Foo/bar", domain: "Foo", path: "bar", full: "Foo/bar:latest", familiar: "Foo/bar"),
    .init(input: "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", domain: "docker.io", path: "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", full: "docker.io/library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a:latest", familiar: "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"),
    .init(input: "docker---rules/docker", domain: "docker.io", path: "docker---rules/docker", full: "docker.io/docker---rules/docker:latest", familiar: "docker---rules/docker"),
    .init(input: "dock__er/docker", domain: "docker.io", path: "dock__er/docker", full: "docker.io/dock__er/docker:latest", familiar: "dock__er/docker"),
    .init(input: "d/docker", domain: "docker.io", path: "d/docker", full: "docker.io/d/docker:latest", familiar: "d/docker"),
    .init(input: "127.0.0.1:5000/library/debian", domain: "127.0.0.1:5000", path: "library/debian", full: "127.0.0.1:5000/library/debian:latest", familiar: "127.0.0.1:5000/library/debian"),
    .init(input: "registry.example:5000/team/app@" + sha256F, domain: "registry.example:5000", path: "team/app", digest: sha256F, full: "registry.example:5000/team/app@" + sha256F, familiar: "registry.example:5000/team/app@" + sha256F),
]

let invalidReferences: [InvalidReferenceCase] = [
    .init(input: "", rule: "at least one component"),
    .init(input: ":justtag", rule: "invalid reference format"),
    .init(input: "@" + sha256F, rule: "invalid reference format"),
    .init(input: "repo@sha256:ffffffffffffffffffffffffffffffffff", rule: "sha256 needs 64 hex digits"),
    .init(input: "validname@invaliddigest:" + String(repeating: "f", count: 64), rule: "unsupported digest algorithm"),
    .init(input: "repo@sha512:" + String(repeating: "f", count: 64), rule: "sha512 needs 128 hex digits"),
    .init(input: "repo@sha256:" + String(repeating: "F", count: 64), rule: "lowercase"),
    .init(input: "repo@sha256:" + String(repeating: "g", count: 64), rule: "invalid digest format"),
    .init(input: "Uppercase:tag", rule: "invalid reference format: repository name must be lowercase"),
    .init(input: "test:5000/Uppercase/lowercase:tag", rule: "repository name must be lowercase"),
    .init(input: "docker/Docker", rule: "repository name must be lowercase"),
    .init(input: String(repeating: "a/", count: 128) + "a:tag", rule: "must not be more than 255 characters"),
    .init(input: "aa/asdf$$^/aa", rule: "invalid reference format"),
    .init(input: "[2001:db8::1]", rule: "invalid reference format"),
    .init(input: "[2001:db8::1]:5000", rule: "invalid reference format"),
    .init(input: "[2001:db8::1]:tag", rule: "invalid reference format"),
    .init(input: "[fe80::1%eth0]:5000/repo", rule: "is not a valid registry host"),
    .init(input: "[2001:db8:3:4::192.0.2.33]:5000/debian", rule: "is not a valid registry host"),
    .init(input: "fc00::1:5000/debian", rule: "is not a valid registry host"),
    .init(input: "https://github.com/docker/docker", rule: "invalid reference format"),
    .init(input: "-docker", rule: "invalid reference format"),
    .init(input: "-docker.io/docker/docker", rule: "is not a valid registry host"),
    .init(input: "docker///docker", rule: "empty component"),
    .init(input: "docker/", rule: "empty component"),
    .init(input: "docker-/docker", rule: "invalid reference format"),
    .init(input: "____/____", rule: "invalid reference format"),
    .init(input: "dock..er/docker", rule: "invalid reference format"),
    .init(input: "dock_.er/docker", rule: "invalid reference format"),
    .init(input: "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", rule: "cannot specify 64-byte hexadecimal strings"),
    .init(input: "busybox:", rule: "tag must start"),
    .init(input: "busybox:-foo", rule: "tag must start"),
    .init(input: "busybox:" + String(repeating: "a", count: 129), rule: "tag must start"),
    .init(input: "busybox@sha256:abc@def", rule: "more than one '@'"),
    .init(
        input: String(repeating: "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_", count: 4) + "x/docker",
        rule: "must not be more than 255 characters"),
]

@Suite("Image references")
struct ReferenceTests {
    @Test("valid references normalise as Docker's ParseNormalizedNamed does", arguments: validReferences)
    func valid(_ c: ValidReferenceCase) throws {
        let ref = try ImageReference(parsing: c.input)
        #expect(ref.domain == c.domain)
        #expect(ref.path == c.path)
        #expect(ref.tag == c.tag)
        #expect(ref.digest?.description == c.digest)
        #expect(ref.description == c.full)
        #expect(ref.familiarString == c.familiar)
        // The fully qualified form parses back to the same reference.
        let again = try ImageReference(parsing: ref.description)
        #expect(again.description == ref.description)
        #expect(again.domain == ref.domain && again.path == ref.path && again.digest == ref.digest)
    }

    @Test("invalid references throw an error quoting the input and naming the rule", arguments: invalidReferences)
    func invalid(_ c: InvalidReferenceCase) {
        do {
            let ref = try ImageReference(parsing: c.input)
            Issue.record("expected \(c.input) to be rejected, got \(ref)")
        } catch let error as ImageReferenceError {
            #expect(error.input == c.input)
            #expect(error.message.contains("\"\(c.input)\""))
            #expect(error.rule.contains(c.rule), "rule was: \(error.rule)")
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test("the table holds at least 40 cases from the distribution tests")
    func tableSize() {
        #expect(validReferences.count + invalidReferences.count >= 40)
    }

    @Test("a 255-character repository path is accepted and 256 rejected")
    func nameLengthBoundary() throws {
        let path255 = String(repeating: "a/", count: 127) + "a"
        #expect(path255.count == 255)
        let ok = try ImageReference(parsing: "example.com/" + path255 + ":tag-puts-this-over-max")
        #expect(ok.path == path255)
        #expect(throws: ImageReferenceError.self) { try ImageReference(parsing: "example.com/" + path255 + "a") }
        // Without a registry, docker.io's library/ prefix does not count against a
        // multi-element path: "a/a/…" stays as is.
        let hub = try ImageReference(parsing: path255)
        #expect(hub.domain == "docker.io" && hub.path == path255)
    }

    @Test("the uppercase error reads like Docker's")
    func uppercaseMessage() {
        #expect(throws: ImageReferenceError.uppercase("Busybox")) { try ImageReference(parsing: "Busybox") }
        let message = ImageReferenceError.uppercase("Busybox").message
        #expect(message == "couldn't parse image name \"Busybox\": invalid reference format: repository name must be lowercase")
    }

    @Test("registry host, manifest reference and effective tag")
    func derivedValues() throws {
        let hub = try ImageReference(parsing: "busybox")
        #expect(hub.registryHost == "registry-1.docker.io")
        #expect(hub.manifestReference == "latest")
        #expect(hub.effectiveTag == "latest")
        #expect(hub.name == "docker.io/library/busybox")

        let pinned = try ImageReference(parsing: "r.example:5000/app:v1@" + sha256F)
        #expect(pinned.registryHost == "r.example:5000")
        #expect(pinned.manifestReference == sha256F)
        #expect(pinned.effectiveTag == "v1")

        let digestOnly = try ImageReference(parsing: "app@" + sha256F)
        #expect(digestOnly.effectiveTag == nil)
        #expect(digestOnly.description == "docker.io/library/app@" + sha256F)
    }

    @Test("digests parse sha256, sha384 and sha512 with their lengths")
    func digests() throws {
        let d = try ImageDigest(parsing: "sha384:" + String(repeating: "0", count: 96))
        #expect(d.algorithm == "sha384")
        #expect(d.encoded.count == 96)
        #expect(throws: ImageReferenceError.self) { try ImageDigest(parsing: "sha256") }
        #expect(throws: ImageReferenceError.self) { try ImageDigest(parsing: "sha256:" + String(repeating: "0", count: 63)) }
        #expect(throws: ImageReferenceError.self) { try ImageDigest(parsing: "md5:" + String(repeating: "0", count: 32)) }
        #expect(throws: ImageReferenceError.self) { try ImageDigest(parsing: "sha-:" + String(repeating: "0", count: 64)) }
    }

    @Test("references round-trip through JSON as their fully qualified string")
    func codable() throws {
        let ref = try ImageReference(parsing: "busybox:1.36")
        let data = try JSONEncoder().encode([ref])
        #expect(String(decoding: data, as: UTF8.self) == #"["docker.io\/library\/busybox:1.36"]"#)
        #expect(try JSONDecoder().decode([ImageReference].self, from: data) == [ref])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ImageReference].self, from: Data(#"["Bad"]"#.utf8)) }
    }
}
