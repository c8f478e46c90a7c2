import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#endif

/// The agent's self-signed serving certificate, kept as kubelet keeps its own when no `tlsCertFile`
/// is configured: `<pkiDirectory>/kubelet.crt` (the serving certificate followed by the throwaway CA
/// that signed it) and `<pkiDirectory>/kubelet.key` (mode 0600).
///
/// It is made once and reused; it is made again when it expires within a day, when its SANs no longer
/// match the node's name and addresses, or when the key does not match it.
public enum ServingCertificate {
    /// File name of the certificate chain in the PKI directory.
    public static let certificateFileName = "kubelet.crt"
    /// File name of the private key in the PKI directory.
    public static let keyFileName = "kubelet.key"
    /// How long a generated certificate is valid (kubelet's self-signed certificates last a year).
    static let validity: TimeInterval = 365 * 86_400

    /// The subject alternative names the serving certificate must carry.
    public struct SANs: Equatable, Sendable {
        /// DNS names: the node name (unless it is an address) and `localhost`.
        public var dnsNames: Set<String>
        /// IP addresses (4 or 16 bytes each): the node's addresses and 127.0.0.1.
        public var ipAddresses: Set<[UInt8]>
    }

    /// The SANs for a node: its name, its addresses, `localhost` and `127.0.0.1`.
    public static func sans(nodeName: String, nodeIPs: [String]) -> SANs {
        var dns: Set<String> = ["localhost"]
        var ips: Set<[UInt8]> = [[127, 0, 0, 1]]
        if let ip = ipBytes(nodeName) { ips.insert(ip) } else if !nodeName.isEmpty { dns.insert(nodeName.lowercased()) }
        for address in nodeIPs { if let ip = ipBytes(address) { ips.insert(ip) } }
        return SANs(dnsNames: dns, ipAddresses: ips)
    }

    /// Makes sure a usable self-signed certificate and key are in `directory`, generating them when
    /// missing, expiring within a day, no longer matching `nodeName`/`nodeIPs`, or mismatched.
    /// - Returns: the certificate and key paths, and whether they were (re)generated now.
    /// - Throws: ``AgentError`` naming the directory or file that cannot be written.
    public static func ensure(directory: String, nodeName: String, nodeIPs: [String], now: Date = Date()) throws
        -> (certificateFile: String, keyFile: String, generated: Bool)
    {
        let certPath = (directory as NSString).appendingPathComponent(certificateFileName)
        let keyPath = (directory as NSString).appendingPathComponent(keyFileName)
        let wanted = sans(nodeName: nodeName, nodeIPs: nodeIPs)
        if isUsable(certPath: certPath, keyPath: keyPath, wanted: wanted, now: now) {
            return (certPath, keyPath, false)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
        } catch {
            throw AgentError.filesystem("\(directory): cannot create the PKI directory: \(error.localizedDescription)")
        }
        let (certPEM, keyPEM) = try generate(nodeName: nodeName, sans: wanted, now: now)
        // The key first: a certificate without its key is never left behind for the next start to trust.
        try write(keyPEM, to: keyPath, mode: 0o600)
        try write(certPEM, to: certPath, mode: 0o644)
        return (certPath, keyPath, true)
    }

    /// The SANs of the first certificate in a PEM file, or nil when it cannot be read.
    public static func sans(ofCertificateFile path: String) -> SANs? {
        guard let cert = try? firstCertificate(path) else { return nil }
        return sans(of: cert)
    }

    static func sans(of cert: Certificate) -> SANs {
        var result = SANs(dnsNames: [], ipAddresses: [])
        guard let names = try? cert.extensions.subjectAlternativeNames else { return result }
        for name in names {
            switch name {
            case .dnsName(let dns): result.dnsNames.insert(dns.lowercased())
            case .ipAddress(let octets): result.ipAddresses.insert(Array(octets.bytes))
            default: break
            }
        }
        return result
    }

    private static func isUsable(certPath: String, keyPath: String, wanted: SANs, now: Date) -> Bool {
        guard let cert = try? firstCertificate(certPath),
              let keyText = try? String(contentsOfFile: keyPath, encoding: .utf8),
              let key = try? Certificate.PrivateKey(pemEncoded: keyText)
        else { return false }
        return key.publicKey == cert.publicKey
            && cert.notValidAfter > now.addingTimeInterval(86_400)
            && sans(of: cert) == wanted
    }

    private static func firstCertificate(_ path: String) throws -> Certificate {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let document = try PEMDocument.parseMultiple(pemString: text).first(where: { $0.discriminator == "CERTIFICATE" }) else {
            throw AgentError.config("\(path): no PEM certificate in the file")
        }
        return try Certificate(pemDocument: document)
    }

    /// A P-256 serving certificate for `sans`, signed by a CA made for it alone (whose key is dropped),
    /// as kubelet's `GenerateSelfSignedCertKey` does; PEM of the chain (leaf first) and of the leaf key.
    static func generate(nodeName: String, sans: SANs, now: Date) throws -> (certificate: String, key: String) {
        let stamp = Int(now.timeIntervalSince1970)
        let host = nodeName.isEmpty ? "swiftlet" : nodeName
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(validity)
        do {
            let caKey = P256.Signing.PrivateKey()
            let caName = try DistinguishedName { CommonName("\(host)-ca@\(stamp)") }
            let ca = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
                },
                issuerPrivateKey: .init(caKey))

            let leafKey = P256.Signing.PrivateKey()
            var names: [GeneralName] = sans.dnsNames.sorted().map { .dnsName($0) }
            names += sans.ipAddresses.sorted { $0.lexicographicallyPrecedes($1) }
                .map { .ipAddress(ASN1OctetString(contentBytes: $0[...])) }
            let leaf = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
                notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName,
                subject: try DistinguishedName { CommonName("\(host)@\(stamp)") },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(names)
                },
                issuerPrivateKey: .init(caKey))
            let chain = try leaf.serializeAsPEM().pemString + "\n" + ca.serializeAsPEM().pemString + "\n"
            return (chain, leafKey.pemRepresentation + "\n")
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError.config("cannot generate the self-signed serving certificate: \(error)")
        }
    }

    /// Writes `text` to a temporary file with `mode` and renames it over `path`.
    private static func write(_ text: String, to path: String, mode: mode_t) throws {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw AgentError.filesystem("open(\(temp)): \(String(cString: strerror(errno)))")
        }
        // The mode argument of open is filtered by the umask; the key must end up 0600 exactly.
        _ = fchmod(fd, mode)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                unlink(temp)
                throw AgentError.filesystem("write(\(temp)): \(message)")
            }
            written += n
        }
        _ = fsync(fd)
        close(fd)
        guard rename(temp, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temp)
            throw AgentError.filesystem("rename(\(temp), \(path)): \(message)")
        }
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address, or nil when `text` is not one.
    static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
