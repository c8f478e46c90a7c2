#!/bin/bash
# Measures `swiftlet agent` start to READY=1 (sd_notify), over N runs; prints median, p95 and max in ms.
# Usage: bench/startup.sh [BINARY] [N]
set -euo pipefail
BIN=${1:-.build/release/swiftlet}
N=${2:-30}
exec python3 - "$BIN" "$N" <<'PY'
import os, socket, subprocess, sys, tempfile, time, signal, statistics
binary, n = os.path.abspath(sys.argv[1]), int(sys.argv[2])
samples = []
with tempfile.TemporaryDirectory(prefix="swiftlet-bench-") as d:
    os.makedirs(f"{d}/manifests")
    with open(f"{d}/config.yaml", "w") as f:
        f.write("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: manifests\n")
    for i in range(n):
        path = f"{d}/notify-{i}.sock"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(10)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        env.pop("WATCHDOG_USEC", None)
        t0 = time.perf_counter()
        p = subprocess.Popen([binary, "agent", "--config", f"{d}/config.yaml", "--root-dir", f"{d}/root",
                              "--run-dir", f"{d}/run", "--log-level", "warning"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            msg = s.recv(4096).decode()
            if "READY=1" in msg.split("\n"):
                samples.append((time.perf_counter() - t0) * 1000)
                break
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        s.close()
samples.sort()
p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
print(f"agent start to READY=1 over {n} runs: median {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms")
PY
