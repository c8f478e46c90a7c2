import CZlib
import CZstd

/// Turns a compressed layer blob into its uncompressed tar stream, hashing every uncompressed
/// byte so the caller can check the image config's diff_id.
public final class LayerDecompressor {
    private var source: any LayerByteSource
    private let compression: LayerCompression
    private let input: UnsafeMutableRawBufferPointer
    private var inputStart = 0
    private var inputEnd = 0
    private var sourceDone = false
    private var finished = false
    private var hasher = SHA256Hasher()
    /// Uncompressed bytes produced so far.
    public private(set) var uncompressedBytes: UInt64 = 0
    /// Compressed bytes consumed from the source so far.
    public private(set) var compressedBytes: UInt64 = 0

    private var zstream: UnsafeMutablePointer<z_stream>?
    private var gzipMemberOpen = false
    private var zstd: OpaquePointer?
    private var zstdFrameOpen = false

    /// Reads `source` with the given compression.
    /// - Throws: `UnpackError.system` when the decompressor cannot be set up.
    public init(source: any LayerByteSource, compression: LayerCompression, bufferSize: Int = 256 * 1024) throws {
        self.source = source
        self.compression = compression
        self.input = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        switch compression {
        case .none:
            break
        case .gzip:
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // 16 + MAX_WBITS: gzip wrapper only, 32 KiB window.
            let rc = inflateInit2_(stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard rc == Z_OK else {
                stream.deallocate()
                input.deallocate()
                throw UnpackError.corrupt("gzip: inflateInit2 failed (\(rc))")
            }
            zstream = stream
        case .zstd:
            guard let ds = ZSTD_createDStream() else {
                input.deallocate()
                throw UnpackError.corrupt("zstd: cannot create a decompression stream")
            }
            ZSTD_initDStream(ds)
            zstd = ds
        }
    }

    deinit {
        if let zstream {
            inflateEnd(zstream)
            zstream.deallocate()
        }
        if let zstd { ZSTD_freeDStream(zstd) }
        input.deallocate()
    }

    /// The `sha256:<hex>` digest of the uncompressed bytes produced so far; call after the
    /// stream ended (`read` returned 0).
    public func diffID() -> String {
        var copy = hasher
        return "sha256:" + copy.finalizeHex()
    }

    /// Fills `buffer` with uncompressed bytes; returns 0 only at the end of the stream.
    /// - Throws: `UnpackError.corrupt` for damaged or truncated data.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        let n: Int
        switch compression {
        case .none: n = try readPlain(into: buffer)
        case .gzip: n = try readGzip(into: buffer)
        case .zstd: n = try readZstd(into: buffer)
        }
        if n == 0 {
            finished = true
        } else {
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            uncompressedBytes += UInt64(n)
        }
        return n
    }

    /// Reads and discards the rest of the stream so the digest covers all of it.
    /// - Throws: `UnpackError.corrupt` for damaged data.
    public func drain() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {}
    }

    /// Refills the input buffer when it is empty; false at the end of the source.
    private func fillInput() throws -> Bool {
        if inputStart < inputEnd { return true }
        if sourceDone { return false }
        let n = try source.read(into: input)
        inputStart = 0
        inputEnd = n
        compressedBytes += UInt64(n)
        if n == 0 { sourceDone = true }
        return n > 0
    }

    private func readPlain(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if inputStart < inputEnd {
            let n = min(buffer.count, inputEnd - inputStart)
            buffer.baseAddress!.copyMemory(from: input.baseAddress! + inputStart, byteCount: n)
            inputStart += n
            return n
        }
        if sourceDone { return 0 }
        let n = try source.read(into: buffer)
        compressedBytes += UInt64(n)
        if n == 0 { sourceDone = true }
        return n
    }

    private func readGzip(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let z = zstream else { return 0 }
        let out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        var produced = 0
        while produced == 0 {
            guard try fillInput() else {
                if gzipMemberOpen { throw UnpackError.corrupt("gzip: layer stream is truncated") }
                if compressedBytes == 0 { throw UnpackError.corrupt("gzip: layer stream is empty") }
                return 0
            }
            gzipMemberOpen = true
            z.pointee.next_in = (input.baseAddress! + inputStart).assumingMemoryBound(to: Bytef.self)
            z.pointee.avail_in = uInt(inputEnd - inputStart)
            z.pointee.next_out = out + produced
            z.pointee.avail_out = uInt(buffer.count - produced)
            let rc = inflate(z, Z_NO_FLUSH)
            inputStart = inputEnd - Int(z.pointee.avail_in)
            produced = buffer.count - Int(z.pointee.avail_out)
            switch rc {
            case Z_OK, Z_BUF_ERROR:
                if rc == Z_BUF_ERROR && produced == 0 && inputStart < inputEnd {
                    throw UnpackError.corrupt("gzip: inflate made no progress")
                }
            case Z_STREAM_END:
                // Concatenated members form one stream (gzip(1) and pigz produce them).
                gzipMemberOpen = false
                inflateReset(z)
            default:
                let detail = z.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw UnpackError.corrupt("gzip: \(detail) at compressed offset \(compressedBytes - UInt64(inputEnd - inputStart))")
            }
        }
        return produced
    }

    private func readZstd(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let ds = zstd else { return 0 }
        var produced = 0
        while produced == 0 {
            let haveInput = try fillInput()
            if !haveInput {
                if zstdFrameOpen {
                    // The decoder may still hold output for a complete frame.
                    var inBuf = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
                    var outBuf = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
                    let rc = ZSTD_decompressStream(ds, &outBuf, &inBuf)
                    if ZSTD_isError(rc) != 0 { throw UnpackError.corrupt("zstd: \(String(cString: ZSTD_getErrorName(rc)))") }
                    if rc == 0 { zstdFrameOpen = false }
                    if outBuf.pos > 0 { return outBuf.pos }
                    if zstdFrameOpen { throw UnpackError.corrupt("zstd: layer stream is truncated") }
                }
                if compressedBytes == 0 { throw UnpackError.corrupt("zstd: layer stream is empty") }
                return 0
            }
            var inBuf = ZSTD_inBuffer(src: input.baseAddress! + inputStart, size: inputEnd - inputStart, pos: 0)
            var outBuf = ZSTD_outBuffer(dst: buffer.baseAddress! + produced, size: buffer.count - produced, pos: 0)
            let rc = ZSTD_decompressStream(ds, &outBuf, &inBuf)
            if ZSTD_isError(rc) != 0 {
                throw UnpackError.corrupt("zstd: \(String(cString: ZSTD_getErrorName(rc)))")
            }
            inputStart += inBuf.pos
            produced += outBuf.pos
            // 0 means a frame ended and everything it decoded has been flushed.
            zstdFrameOpen = rc != 0
        }
        return produced
    }
}
