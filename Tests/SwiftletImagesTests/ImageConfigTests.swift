import Foundation
import SwiftletImages
import Testing

private let digestA = "sha256:" + String(repeating: "a", count: 64)
private let digestB = "sha256:" + String(repeating: "b", count: 64)

@Suite("OCI image documents")
struct ImageConfigTests {
    @Test("an image config decodes every process default, rootfs and history")
    func decodesConfig() throws {
        let json = """
            {"architecture":"arm64","os":"linux","variant":"v8","created":"2024-01-01T00:00:00Z",
             "config":{"User":"1000:1000","ExposedPorts":{"80/tcp":{},"53/udp":{}},"Env":["PATH=/usr/bin","A=1"],
                       "Entrypoint":["/entry"],"Cmd":["serve","--port=80"],"Volumes":{"/data":{},"/cache":{}},
                       "WorkingDir":"/srv","Labels":{"k":"v"},"StopSignal":"SIGQUIT","ArgsEscaped":true},
             "rootfs":{"type":"layers","diff_ids":["\(digestA)","\(digestB)"]},
             "history":[{"created":"2024-01-01T00:00:00Z","created_by":"ADD x /","empty_layer":false},{"comment":"c","empty_layer":true}]}
            """
        let config = try JSONDecoder().decode(ImageConfig.self, from: Data(json.utf8))
        #expect(config.platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        let p = try #require(config.config)
        #expect(p.user == "1000:1000")
        #expect(p.exposedPorts == ["53/udp", "80/tcp"])
        #expect(p.env == ["PATH=/usr/bin", "A=1"])
        #expect(p.entrypoint == ["/entry"])
        #expect(p.cmd == ["serve", "--port=80"])
        #expect(p.volumes == ["/cache", "/data"])
        #expect(p.workingDir == "/srv")
        #expect(p.labels == ["k": "v"])
        #expect(p.stopSignal == "SIGQUIT")
        #expect(config.rootfs.type == "layers")
        #expect(config.rootfs.diffIDs.map(\.description) == [digestA, digestB])
        #expect(config.history?.count == 2)
        #expect(config.history?[0].createdBy == "ADD x /")
        #expect(config.history?[1].emptyLayer == true)

        // Encoding keeps the spec's shape: sets as objects, Go-style keys.
        let again = try JSONDecoder().decode(ImageConfig.self, from: JSONEncoder().encode(config))
        #expect(again == config)
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any]
        let inner = encoded?["config"] as? [String: Any]
        #expect((inner?["ExposedPorts"] as? [String: Any])?.keys.sorted() == ["53/udp", "80/tcp"])
        #expect((encoded?["rootfs"] as? [String: Any])?["diff_ids"] as? [String] == [digestA, digestB])
    }

    @Test("null fields in Docker configs decode as unset")
    func nullFields() throws {
        let json = #"{"architecture":"amd64","os":"linux","config":{"Env":null,"Cmd":null,"Entrypoint":null,"Volumes":null},"rootfs":{"type":"layers","diff_ids":[]}}"#
        let config = try JSONDecoder().decode(ImageConfig.self, from: Data(json.utf8))
        #expect(config.config?.cmd == nil)
        #expect(config.config?.volumes == nil)
    }

    @Test("a Docker schema 2 manifest decodes with its descriptors")
    func dockerManifest() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"\(MediaType.dockerManifest)",
             "config":{"mediaType":"\(MediaType.dockerConfig)","size":1469,"digest":"\(digestA)"},
             "layers":[{"mediaType":"\(MediaType.dockerLayerGzip)","size":2479,"digest":"\(digestB)",
                        "urls":["https://mirror.example/blob"],"annotations":{"a":"b"}}]}
            """
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(json.utf8))
        #expect(MediaType.isManifest(manifest.mediaType))
        #expect(manifest.config.size == 1469)
        #expect(MediaType.isConfig(manifest.config.mediaType))
        #expect(manifest.layers[0].urls == ["https://mirror.example/blob"])
        #expect(manifest.layers[0].annotations == ["a": "b"])
        #expect(MediaType.layerCompression(manifest.layers[0].mediaType) == .gzip)
    }

    @Test("an OCI index decodes platforms including os.version and os.features")
    func ociIndex() throws {
        let json = """
            {"schemaVersion":2,"mediaType":"\(MediaType.ociIndex)","manifests":[
              {"mediaType":"\(MediaType.ociManifest)","size":7143,"digest":"\(digestA)",
               "platform":{"architecture":"amd64","os":"windows","os.version":"10.0.17763.1","os.features":["win32k"]}}]}
            """
        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(json.utf8))
        let platform = try #require(index.manifests.first?.platform)
        #expect(platform.osVersion == "10.0.17763.1")
        #expect(platform.osFeatures == ["win32k"])
        #expect(MediaType.isIndex(index.mediaType))
        let reencoded = String(decoding: try JSONEncoder().encode(platform), as: UTF8.self)
        #expect(reencoded.contains("\"os.version\""))
    }

    @Test("a descriptor with a malformed digest is rejected when decoding")
    func badDigest() {
        let json = #"{"mediaType":"application/vnd.oci.image.layer.v1.tar","size":1,"digest":"sha256:abc"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Descriptor.self, from: Data(json.utf8)) }
    }

    @Test("media type classification: schema 1 is recognised for rejection, layers by compression")
    func mediaTypes() {
        #expect(MediaType.isSchema1(MediaType.dockerSchema1Manifest))
        #expect(MediaType.isSchema1(MediaType.dockerSchema1SignedManifest))
        #expect(!MediaType.isSchema1(MediaType.dockerManifest))
        #expect(MediaType.layerCompression(MediaType.ociLayer) == LayerCompression.none)
        #expect(MediaType.layerCompression(MediaType.ociLayerZstd) == .zstd)
        #expect(MediaType.layerCompression(MediaType.ociConfig) == nil)
        #expect(Set(MediaType.manifestAccept) == [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerManifest, MediaType.dockerManifestList])
        #expect(ImageConfigError.schema1("busybox").message.contains("schema 1"))
    }
}
