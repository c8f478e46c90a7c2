#!/usr/bin/env python3
"""Image pull benchmark: `swiftlet image pull` against `skopeo copy` + `umoci unpack`.

Usage: bench/images.py SWIFTLET_BIN [N] [BASELINE_SWIFTLET_BIN]
Starts Debian's docker-registry on 127.0.0.1 at a free port (own config, storage in a temp dir
below $SWIFTLET_BENCH_DIR, default /var/tmp, where everything else goes too),
builds one multi-layer image of well over 100 MiB compressed with umoci (busybox, many small text
files, mixed medium files, a few large random files, and system binaries), pushes it with skopeo,
then times N interleaved runs of each tool from fresh directories:
  swiftlet:    swiftlet image pull --root-dir FRESH --insecure-registry HOST HOST/big:1
  skopeo+umoci: skopeo copy docker://HOST/big:1 oci:FRESH:big && umoci unpack --image FRESH:big BUNDLE
  baseline:    the same pull with BASELINE_SWIFTLET_BIN, when given (to compare two builds)
Both end with every layer unpacked on disk. Page caches cannot be dropped here, so the registry's
blobs are warm for both; dirty pages of the previous run are synced before each timed run, and
nothing is deleted before the end (see the note in main).
"""
import json, os, random, resource, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

MIB = 1 << 20
WORDS = ("the quick brown fox jumps over lazy dog kubelet container image layer registry manifest "
         "config digest overlay snapshot unpack tar gzip zstd pod node volume mount cgroup namespace "
         "seccomp runtime process signal socket network bridge route address port service endpoint "
         "error warning info debug trace return value function struct class enum protocol extension").split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_registry(work):
    port = free_port()
    storage = os.path.join(work, "registry-storage")
    os.makedirs(storage)
    config = os.path.join(work, "registry.yml")
    with open(config, "w") as f:
        f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
""")
    log = open(os.path.join(work, "registry.log"), "w")
    proc = subprocess.Popen(["docker-registry", "serve", config], stdout=log, stderr=log)
    host = f"127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://{host}/v2/", timeout=1).read()
            return proc, host
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"docker-registry exited ({proc.returncode}); see {log.name}")
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("docker-registry did not answer on /v2/ within 10 s")


def text(rng, size):
    out = []
    n = 0
    while n < size:
        line = " ".join(rng.choices(WORDS, k=rng.randint(4, 14))) + "\n"
        out.append(line)
        n += len(line)
    return "".join(out)[:size].encode()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def make_layers(base):
    """Yields directories, one per layer, each to be copied to / of the image."""
    rng = random.Random(20261127)

    busybox = os.path.join(base, "l0-busybox")
    for d in ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp"]:
        os.makedirs(os.path.join(busybox, d))
    shutil.copy("/bin/busybox", os.path.join(busybox, "bin/busybox"))
    subprocess.run(["chroot", busybox, "/bin/busybox", "--install", "-s"], check=True)
    yield busybox

    # Many small compressible files, as in /usr/share: docs, locales, config.
    small = os.path.join(base, "l1-small")
    for i in range(4000):
        write(os.path.join(small, f"usr/share/doc/pkg{i % 200}/file{i}.txt"), text(rng, rng.randint(512, 8192)))
    yield small

    # Medium files, half compressible text and half incompressible (compressed assets).
    mixed = os.path.join(base, "l2-mixed")
    for i in range(400):
        size = rng.randint(16 << 10, 256 << 10)
        data = rng.randbytes(size) if i % 2 else text(rng, size)
        write(os.path.join(mixed, f"opt/app/assets/{i % 20}/asset{i}.{'bin' if i % 2 else 'txt'}"), data)
    yield mixed

    # A few large incompressible files (models, archives, media).
    large = os.path.join(base, "l3-large")
    for i in range(3):
        write(os.path.join(large, f"opt/app/data/blob{i}.dat"), rng.randbytes(24 * MIB))
    yield large

    # Real binaries and libraries: compressible machine code, up to 40 MiB.
    binaries = os.path.join(base, "l4-binaries")
    budget = 40 * MIB
    for src_dir in ["/usr/bin", "/usr/lib/x86_64-linux-gnu"]:
        for name in sorted(os.listdir(src_dir)):
            src = os.path.join(src_dir, name)
            if budget <= 0 or os.path.islink(src) or not os.path.isfile(src):
                continue
            size = os.path.getsize(src)
            if size > 8 * MIB or size > budget:
                continue
            dst = os.path.join(binaries, "opt/sample", src_dir.lstrip("/"), name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
            os.chmod(dst, 0o755)
            budget -= size
    yield binaries


def _replace_copy(src, dst):
    if os.path.lexists(dst):
        os.unlink(dst)
    shutil.copy2(src, dst)


def build_and_push(work, host):
    layout = os.path.join(work, "layout")
    content = os.path.join(work, "content")
    subprocess.run(["umoci", "init", "--layout", layout], check=True)
    subprocess.run(["umoci", "new", "--image", f"{layout}:big"], check=True)
    # unpack + copy + repack per layer (umoci 0.4.7's `insert` drops the last entry's padding).
    bundle = os.path.join(work, "bundle")
    subprocess.run(["umoci", "unpack", "--image", f"{layout}:big", bundle], check=True, stdout=subprocess.DEVNULL)
    for layer in make_layers(content):
        # The rootfs holds busybox's absolute applet symlinks (/usr/bin/du -> /bin/busybox): copying
        # onto one would write through it into the HOST's /bin/busybox. Replace, never follow.
        shutil.copytree(layer, os.path.join(bundle, "rootfs"), symlinks=True, dirs_exist_ok=True,
                        copy_function=_replace_copy)
        subprocess.run(["umoci", "repack", "--refresh-bundle", "--image", f"{layout}:big", bundle], check=True)
    subprocess.run(["umoci", "config", "--image", f"{layout}:big", "--config.cmd", "/bin/sh"], check=True)
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    manifest_digest = index["manifests"][0]["digest"].split(":")[1]
    with open(os.path.join(layout, "blobs/sha256", manifest_digest)) as f:
        manifest = json.load(f)
    sizes = [layer["size"] for layer in manifest["layers"]]
    subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:big",
                    f"docker://{host}/big:1"], check=True)
    return sizes


def timed(argvs):
    """Wall-clock seconds and CPU seconds (user + system, children) of running argvs in turn."""
    os.sync()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for argv in argvs:
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.decode()[-600:]}")
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main():
    swiftlet = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    baseline = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
    # On disk: /tmp may be a tmpfs elsewhere, and here it is where compilers churn temp files,
    # whose freed inodes slow down inode allocation nearby (see the note below).
    work = tempfile.mkdtemp(prefix="swiftlet-bench-images-", dir=os.environ.get("SWIFTLET_BENCH_DIR", "/var/tmp"))
    registry = None
    try:
        registry, host = start_registry(work)
        t0 = time.perf_counter()
        sizes = build_and_push(work, host)
        print(f"image {host}/big:1: {len(sizes)} layers, {sum(sizes) / MIB:.1f} MiB compressed "
              f"({', '.join(f'{s / MIB:.1f}' for s in sizes)} MiB); built and pushed in {time.perf_counter() - t0:.1f} s")
        if sum(sizes) < 100 * MIB:
            raise SystemExit("the benchmark image is smaller than 100 MiB compressed")
        def pull(binary):
            return lambda d: [[binary, "image", "pull", "--root-dir", os.path.join(d, "root"),
                               "--insecure-registry", host, f"{host}/big:1"]]
        tools = {
            "swiftlet": pull(swiftlet),
            "skopeo+umoci": lambda d: [
                ["skopeo", "copy", "--quiet", "--src-tls-verify=false", f"docker://{host}/big:1", f"oci:{d}/oci:big"],
                ["umoci", "unpack", "--image", f"{d}/oci:big", f"{d}/bundle"]],
        }
        if baseline:
            tools["baseline"] = pull(baseline)
        # ext4 without a journal (this VM's root filesystem) skips inodes freed in the last
        # 60 s (kernel: recently_deleted(), 360 s while their inode table block is dirty) when
        # it allocates new ones, at a cost that grows with how many were freed: after a mass
        # deletion (a previous benchmark's cleanup) every file created is several times slower,
        # for both tools alike, and the ratio says little. Sync, then let that window pass.
        os.sync()
        time.sleep(65)
        results = {name: [] for name in tools}
        cpu = {name: [] for name in tools}
        # Round-robin so that machine noise (other builds on this host) hits both tools alike.
        for i in range(n):
            for name, argvs in tools.items():
                d = os.path.join(work, f"run-{name}-{i}")
                os.makedirs(d)
                wall, used = timed(argvs(d))
                results[name].append(wall)
                cpu[name].append(used)
                # Kept until the end, for the reason above: deleting it now would slow the
                # next run down.
        print(f"pull + unpack of all layers, {n} interleaved runs each, fresh directories")
        print(f"{'tool':<14}{'median s':>10}{'min s':>8}{'max s':>8}{'CPU s':>8}   runs s")
        for name, s in results.items():
            print(f"{name:<14}{statistics.median(s):>10.2f}{min(s):>8.2f}{max(s):>8.2f}"
                  f"{statistics.median(cpu[name]):>8.2f}   {' '.join(f'{x:.2f}' for x in s)}")
        ratio = statistics.median(results["swiftlet"]) / statistics.median(results["skopeo+umoci"])
        print(f"ratio swiftlet/(skopeo+umoci): {ratio:.2f} (goal <= 0.5)")
        if baseline:
            print(f"ratio swiftlet/baseline: {statistics.median(results['swiftlet']) / statistics.median(results['baseline']):.2f}")
    finally:
        if registry is not None:
            registry.terminate()
            try:
                registry.wait(timeout=10)
            except subprocess.TimeoutExpired:
                registry.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
