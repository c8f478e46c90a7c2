#!/usr/bin/env python3
"""Pod benchmark: how fast the agent brings static pods up, and what it costs.

Usage: bench/pods.py SWIFTLET_BIN [N]
Imports a busybox image built from Debian's busybox-static (the cached image), starts
`swiftlet agent` on temp dirs, then measures:
  - single pods: N pods written one after the other; per pod, the time from writing the
    manifest to its container running (the agent's status.json), p50 and p99;
  - burst: N manifests written at once (maxPods 110), time until all run;
  - resource use with N pods running: the agent's CPU per second over 10 s, and its RSS 2 s after
    the last start and 12 s after it (steady state: past the housekeeping round that gives back
    the pages only start-up touched).
  - CNI pods: 20 pods in their own network namespace on a bridge (Debian's CNI plugins),
    one after the other, p50 and p99 of the same manifest-to-running time.
Pods use hostNetwork in the first three figures, so CNI is not part of them. Everything is
removed at the end, the bench's bridge and its host-local leases included.
"""
import glob, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

def percentile(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]

def build_image(work, swiftlet, root):
    script = f"""set -e
cd {work}
umoci init --layout oci >/dev/null
umoci new --image oci:img
umoci unpack --image oci:img b >/dev/null
mkdir -p b/rootfs/bin b/rootfs/sbin b/rootfs/usr/bin b/rootfs/usr/sbin b/rootfs/tmp
cp /bin/busybox b/rootfs/bin/
chroot b/rootfs /bin/busybox --install -s
umoci repack --image oci:img b
rm -rf b
"""
    subprocess.run(["sh", "-c", script], check=True)
    subprocess.run([swiftlet, "image", "import", f"{work}/oci", "--name", "bench.local/busybox:1", "--root-dir", root],
                   check=True, stdout=subprocess.DEVNULL)

MANIFEST = """apiVersion: v1
kind: Pod
metadata: {{name: p{i}}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - {{name: c, image: bench.local/busybox:1, imagePullPolicy: Never, command: [sleep, "100000"]}}
"""

CNI_PODS = 20
CNI_CONFIG = """{
  "cniVersion": "1.0.0",
  "name": "swiftlet-bench",
  "plugins": [
    {"type": "bridge", "bridge": "swbench0", "isGateway": true, "ipMasq": false,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.254.77.0/24"}]], "dataDir": "IPAMDIR"}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
"""

def running_pods(root):
    names = set()
    for path in glob.glob(f"{root}/pods/*/status.json"):
        try:
            with open(path) as f:
                pod = json.load(f)
        except (OSError, ValueError):
            continue
        statuses = pod.get("status", {}).get("containerStatuses") or []
        if statuses and all("running" in (s.get("state") or {}) for s in statuses):
            names.add(pod["metadata"]["name"].rsplit("-", 1)[0])
    return names

def wait_running(root, names, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if names <= running_pods(root):
            return
        time.sleep(0.002)
    raise SystemExit(f"pods did not run in {timeout}s: {sorted(names - running_pods(root))[:5]}")

def wait_gone(runtime_root, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline and os.listdir(runtime_root):
        time.sleep(0.05)

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def rss_kib(pid):
    """VmRSS, RssAnon and RssFile in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile"):
                values[key] = int(line.split()[1])
    return values.get("VmRSS", 0), values.get("RssAnon", 0), values.get("RssFile", 0)

def top_mappings(pid, count=8):
    """The largest resident mappings (KiB, name), for BENCH_SMAPS=1."""
    sizes, name = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts) >= 5 and ":" not in parts[0]:
                name = (parts[5] if len(parts) > 5 else "[anon]") + " " + parts[1]
            elif parts[0] == "Rss:":
                sizes[name] = sizes.get(name, 0) + int(parts[1])
    return sorted(((v, k) for k, v in sizes.items()), reverse=True)[:count]

def teardown(swiftlet, agent, run, work):
    """Stops the agent (SIGTERM), deletes containers it left, unmounts and removes `work`."""
    if agent and agent.poll() is None:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=30)
    for cid in (os.listdir(f"{run}/runtime") if os.path.isdir(f"{run}/runtime") else []):
        subprocess.run([swiftlet, "runtime", "--root", f"{run}/runtime", "delete", "--force", cid],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["sh", "-c", f"grep -o ' {work}[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(work, ignore_errors=True)

def main():
    swiftlet = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    work = tempfile.mkdtemp(prefix="swiftlet-bench-pods-")
    root, run, manifests, logs = (f"{work}/root", f"{work}/run", f"{work}/manifests", f"{work}/logs")
    os.makedirs(manifests)
    agent = None
    try:
        build_image(work, swiftlet, root)
        with open(f"{work}/config.yaml", "w") as f:
            f.write(f"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                    f"staticPodPath: {manifests}\nfileCheckFrequency: 20s\npodLogsDir: {logs}\nmaxPods: 110\n")
        os.makedirs(f"{work}/cni")
        with open(f"{work}/cni/10-bench.conflist", "w") as f:
            f.write(CNI_CONFIG.replace("IPAMDIR", f"{work}/ipam"))
        agent = subprocess.Popen([swiftlet, "agent", "--config", f"{work}/config.yaml", "--root-dir", root,
                                  "--run-dir", run, "--hostname-override", "bench", "--cni-conf-dir", f"{work}/cni"],
                                 stdout=subprocess.DEVNULL, stderr=open(f"{work}/agent.log", "w"))
        time.sleep(1)
        single = []
        for i in range(n):
            t0 = time.perf_counter()
            with open(f"{manifests}/p{i}.yaml", "w") as f:
                f.write(MANIFEST.format(i=i))
            wait_running(root, {f"p{i}"})
            single.append((time.perf_counter() - t0) * 1000)
        # Resource use with n pods running.
        time.sleep(2)
        rss, anon, file_backed = rss_kib(agent.pid)
        if os.environ.get("BENCH_SMAPS"):
            for kib, mapping in top_mappings(agent.pid):
                print(f"  {kib:8d} KiB  {mapping}")
            if os.environ.get("BENCH_SECTIONS"):
                subprocess.run(["python3", os.environ["BENCH_SECTIONS"], str(agent.pid), swiftlet, "/swiftlet"])
        c0, t0 = cpu_seconds(agent.pid), time.time()
        time.sleep(10)
        cpu = (cpu_seconds(agent.pid) - c0) / (time.time() - t0)
        # Steady state: a housekeeping round (10 s) later, start-up pages given back.
        steady, steady_anon, steady_file = rss_kib(agent.pid)
        for i in range(n):
            os.remove(f"{manifests}/p{i}.yaml")
        wait_gone(f"{run}/runtime")
        # Burst: n manifests at once.
        t0 = time.perf_counter()
        for i in range(n):
            with open(f"{manifests}/b{i}.yaml", "w") as f:
                f.write(MANIFEST.format(i=i).replace(f"name: p{i}", f"name: b{i}"))
        wait_running(root, {f"b{i}" for i in range(n)}, timeout=300)
        burst = time.perf_counter() - t0
        for i in range(n):
            os.remove(f"{manifests}/b{i}.yaml")
        wait_gone(f"{run}/runtime")
        # CNI pods: each in its own netns on the bench's bridge.
        cni = []
        for i in range(CNI_PODS):
            t0 = time.perf_counter()
            with open(f"{manifests}/n{i}.yaml", "w") as f:
                f.write(MANIFEST.format(i=i).replace(f"name: p{i}", f"name: n{i}").replace("  hostNetwork: true\n", ""))
            wait_running(root, {f"n{i}"})
            cni.append((time.perf_counter() - t0) * 1000)
        for i in range(CNI_PODS):
            os.remove(f"{manifests}/n{i}.yaml")
        wait_gone(f"{run}/runtime")
        print(f"single pods (n={n}): p50 {percentile(single, 0.5):.1f} ms, p99 {percentile(single, 0.99):.1f} ms, "
              f"mean {statistics.mean(single):.1f} ms")
        print(f"burst of {n} pods: {burst:.2f} s")
        print(f"CNI pods (n={CNI_PODS}, bridge + host-local + portmap): p50 {percentile(cni, 0.5):.1f} ms, p99 {percentile(cni, 0.99):.1f} ms")
        print(f"agent with {n} pods running: RSS {steady / 1024:.1f} MiB (anonymous {steady_anon / 1024:.1f}, "
              f"file-backed {steady_file / 1024:.1f}) 12 s after the last start, {rss / 1024:.1f} MiB "
              f"(anonymous {anon / 1024:.1f}, file-backed {file_backed / 1024:.1f}) 2 s after it; CPU {cpu * 100:.2f}% of one core")
    finally:
        teardown(swiftlet, agent, run, work)
        subprocess.run(["ip", "link", "del", "swbench0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

if __name__ == "__main__":
    main()
