#!/usr/bin/env python3
"""Runtime benchmark: start latency of swiftlet runtime vs crun and runc, and monitor memory.

Usage: bench/runtime.py SWIFTLET_BIN [N]
Builds a busybox bundle from Debian's busybox-static, then times N sequential
create+start+wait+delete cycles of /bin/true per runtime (via each runtime's `run`), plain and
inside the private-mount-namespace wrapper that crun needs on this host's hybrid cgroups.
Then starts 100 sleeping swiftlet containers and sums the private memory (USS) of their monitors.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

WRAP = ("mount --make-rprivate / && umount /sys/fs/cgroup/unified && "
        "mount -t tmpfs -o size=1m none /sys/fs/cgroup/unified && exec \"$@\"")

def make_bundle(base, args):
    rootfs = os.path.join(base, "rootfs")
    for d in ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc"]:
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy("/bin/busybox", os.path.join(rootfs, "bin/busybox"))
    subprocess.run(["chroot", rootfs, "/bin/busybox", "--install", "-s"], check=True)
    subprocess.run(["runc", "spec"], cwd=base, check=True)
    with open(os.path.join(base, "config.json")) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["process"]["args"] = args
    with open(os.path.join(base, "config.json"), "w") as f:
        json.dump(spec, f)
    return base

def percentile(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]

def time_once(name, argv, wrapped):
    if wrapped:
        argv = ["unshare", "-m", "sh", "-c", WRAP, "sh"] + argv
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        raise SystemExit(f"{name}: {' '.join(argv)} failed ({r.returncode}): {r.stderr.decode()[-400:]}")
    return dt

def time_all(configs, runtimes, n):
    """Round-robin over the configurations so that machine noise hits all of them alike."""
    results = {c: [] for c in configs}
    for i in range(n):
        for (name, wrapped) in configs:
            cid = f"bench-{name}-{'w' if wrapped else 'p'}-{os.getpid()}-{i}"
            results[(name, wrapped)].append(time_once(name, runtimes[name](cid), wrapped))
    return results

def uss_kib(pid):
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total

def main():
    swiftlet = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    work = tempfile.mkdtemp(prefix="swiftlet-bench-runtime-")
    try:
        bundle = make_bundle(os.path.join(work, "true"), ["/bin/true"])
        roots = {k: os.path.join(work, "root-" + k) for k in ["swiftlet", "runc", "crun"]}
        runtimes = {
            "swiftlet": lambda id: [swiftlet, "runtime", "--root", roots["swiftlet"], "run", "--bundle", bundle, id],
            "runc": lambda id: ["runc", "--root", roots["runc"], "run", "--bundle", bundle, id],
            "crun": lambda id: ["crun", "--root", roots["crun"], "run", "--bundle", bundle, id],
        }
        configs = [("swiftlet", False), ("runc", False), ("swiftlet", True), ("runc", True), ("crun", True)]
        results = time_all(configs, runtimes, n)
        print(f"start latency: {n} sequential create+start+wait+delete of /bin/true (busybox bundle)")
        print(f"{'runtime':<10}{'wrapper':<9}{'median ms':>10}{'p95 ms':>9}")
        for (name, wrapped), s in results.items():
            print(f"{name:<10}{'yes' if wrapped else 'no':<9}{statistics.median(s):>10.1f}{percentile(s, 0.95):>9.1f}")
        sw = statistics.median(results[("swiftlet", True)])
        print(f"ratio swiftlet/crun (wrapped): {sw / statistics.median(results[('crun', True)]):.2f}")
        print(f"ratio swiftlet/runc (wrapped): {sw / statistics.median(results[('runc', True)]):.2f}")
        print(f"ratio swiftlet/runc (plain):   {statistics.median(results[('swiftlet', False)]) / statistics.median(results[('runc', False)]):.2f}")

        sleeper = make_bundle(os.path.join(work, "sleep"), ["/bin/sleep", "100000"])
        root = os.path.join(work, "root-mem")
        ids = [f"mem-{os.getpid()}-{i}" for i in range(100)]
        try:
            for cid in ids:
                subprocess.run([swiftlet, "runtime", "--root", root, "create", "--bundle", sleeper,
                                "--log-path", os.path.join(work, cid + ".log"), cid], check=True)
                subprocess.run([swiftlet, "runtime", "--root", root, "start", cid], check=True)
            monitors = []
            for cid in ids:
                with open(os.path.join(root, cid, "state.json")) as f:
                    monitors.append(json.load(f)["monitorPid"])
            uss = [uss_kib(p) for p in monitors]
            print(f"monitor private memory (USS) with 100 sleeping containers: median {statistics.median(uss)} KiB, "
                  f"max {max(uss)} KiB, total {sum(uss) / 1024:.1f} MiB")
        finally:
            for cid in ids:
                subprocess.run([swiftlet, "runtime", "--root", root, "delete", "--force", cid],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
