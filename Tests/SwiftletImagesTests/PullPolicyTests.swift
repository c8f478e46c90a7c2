import SwiftletAPI
import SwiftletImages
import Testing

private let sha = "sha256:" + String(repeating: "1", count: 64)

struct DefaultPolicyCase: CustomTestStringConvertible, Sendable {
    var image: String
    var explicit: String?
    var want: PullPolicy
    var testDescription: String { "\(image) \(explicit ?? "<unset>")" }
}

// Kubernetes' SetDefaults_Container: the tag decides, with "latest" assumed when neither tag
// nor digest is given; an explicit policy always wins.
let defaultPolicyCases: [DefaultPolicyCase] = [
    .init(image: "busybox", explicit: nil, want: .always),
    .init(image: "busybox:latest", explicit: nil, want: .always),
    .init(image: "busybox:1.36", explicit: nil, want: .ifNotPresent),
    .init(image: "busybox@" + sha, explicit: nil, want: .ifNotPresent),
    .init(image: "busybox:1.36@" + sha, explicit: nil, want: .ifNotPresent),
    .init(image: "busybox:latest@" + sha, explicit: nil, want: .always),
    .init(image: "registry.example:5000/app", explicit: nil, want: .always),
    .init(image: "registry.example:5000/app:v2", explicit: nil, want: .ifNotPresent),
    .init(image: "Invalid:Image", explicit: nil, want: .ifNotPresent),
    .init(image: "", explicit: nil, want: .ifNotPresent),
    .init(image: "busybox", explicit: "", want: .always),
    .init(image: "busybox", explicit: "IfNotPresent", want: .ifNotPresent),
    .init(image: "busybox:1.36", explicit: "Always", want: .always),
    .init(image: "busybox:latest", explicit: "Never", want: .never),
]

@Suite("Pull policy")
struct PullPolicyTests {
    @Test("effective policy follows Kubernetes' defaulting", arguments: defaultPolicyCases)
    func effective(_ c: DefaultPolicyCase) throws {
        let container = Container(name: "c", image: c.image, imagePullPolicy: c.explicit)
        #expect(try PullPolicy.effective(for: container) == c.want)
    }

    @Test("an unknown policy is an error listing the supported values")
    func invalid() {
        let container = Container(name: "web", image: "busybox", imagePullPolicy: "Sometimes")
        do {
            _ = try PullPolicy.effective(for: container)
            Issue.record("expected an error")
        } catch let error as PullPolicyError {
            #expect(error.message == #"container "web": imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never""#)
            #expect(!error.isNeverPull)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("shouldPull for every policy and presence", arguments: [
        (PullPolicy.always, true, true), (.always, false, true),
        (.ifNotPresent, true, false), (.ifNotPresent, false, true),
        (.never, true, false),
    ])
    func shouldPull(_ policy: PullPolicy, _ present: Bool, _ want: Bool) throws {
        #expect(try PullPolicy.shouldPull(policy: policy, present: present, image: "busybox") == want)
    }

    @Test("Never with the image absent is ErrImageNeverPull, worded as kubelet words it")
    func neverAbsent() {
        do {
            _ = try PullPolicy.shouldPull(policy: .never, present: false, image: "busybox:1.36")
            Issue.record("expected ErrImageNeverPull")
        } catch let error as PullPolicyError {
            #expect(error.isNeverPull)
            #expect(error.reason == "ErrImageNeverPull")
            #expect(error.message == #"Container image "busybox:1.36" is not present with pull policy of Never"#)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
