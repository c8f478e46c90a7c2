import Foundation

/// Whole-file writes that a crash can never leave half done.
enum AtomicFile {
    /// Writes `data` to a temporary file next to `path`, fsyncs it and renames it over `path`,
    /// creating the parent directories (0700) when missing.
    /// - Throws: `NetworkError.system` naming the call and path that failed.
    static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try makeDirectories(dir, mode: 0o700)
        let temp = "\(dir)/.\((path as NSString).lastPathComponent).tmp-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw NetworkError.system("open", temp, errno: errno) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        let writeError: Int32? = data.withUnsafeBytes { raw -> Int32? in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        if let writeError {
            close(fd)
            throw NetworkError.system("write", temp, errno: writeError)
        }
        if fsync(fd) != 0 {
            let e = errno
            close(fd)
            throw NetworkError.system("fsync", temp, errno: e)
        }
        close(fd)
        guard rename(temp, path) == 0 else { throw NetworkError.system("rename", path, errno: errno) }
        ok = true
    }

    /// `mkdir -p` with `mode` for the directories it creates.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw NetworkError.system("mkdir", path, errno: ENOTDIR) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw NetworkError.system("mkdir", path, errno: errno) }
    }

    /// Reads a whole file; nil when it does not exist.
    /// - Throws: `NetworkError.system` for any other failure.
    static func read(_ path: String) throws -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw NetworkError.system("open", path, errno: errno)
        }
        defer { close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw NetworkError.system("read", path, errno: errno)
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }
}
