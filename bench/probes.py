#!/usr/bin/env python3
"""Probe benchmark: what 100 pods with three probes each at periodSeconds 1 cost the agent.

Usage: bench/probes.py SWIFTLET_BIN [N]
Starts `swiftlet agent` on temp dirs with N host-network busybox pods (a cached image), each
serving HTTP on its own port, with a startup, a liveness and a readiness probe at
periodSeconds 1 whose handlers rotate through exec, httpGet and tcpSocket from pod to pod.
Once every pod is ready and the agent's start-up is over (30 s after it started), it measures,
over 20 s:
  - the agent's CPU in cores (its own time, not its children's: exec probes run processes);
  - the p99 delay between a probe's scheduled and actual start, from the agent's
    swiftlet_prober_schedule_delay_seconds histogram on /metrics (the bucket bound that holds it);
  - probes run per second (prober_probe_total), and the agent's RSS.
Everything is removed at the end.
"""
import json, os, re, secrets, shutil, socket, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pods import build_image, cpu_seconds, rss_kib, teardown, wait_gone  # noqa: E402

MANIFEST = """apiVersion: v1
kind: Pod
metadata: {{name: q{i}}}
spec:
  hostNetwork: true
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: bench.local/busybox:1
    imagePullPolicy: Never
    command: [sh, -c, "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p {port} -h /www"]
    startupProbe: {{{startup}, periodSeconds: 1, failureThreshold: 30}}
    livenessProbe: {{{liveness}, periodSeconds: 1}}
    readinessProbe: {{{readiness}, periodSeconds: 1}}
"""

def handlers(port):
    return [f"exec: {{command: [cat, /www/index.html]}}",
            f"httpGet: {{path: /, port: {port}}}",
            f"tcpSocket: {{port: {port}}}"]

def children_cpu_seconds(pid):
    """CPU of the agent's reaped children: exec probes' monitors and the commands they ran."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

def monitors_cpu_seconds(run):
    """CPU of the containers' monitors and everything they reaped: exec probes served by a
    container's monitor run in processes it forks."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            if b"swiftlet-monitor" not in cmdline or run.encode() not in cmdline:
                continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
    return total

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def container_statuses(root):
    """Each pod's containerStatuses, from the status files the agent writes."""
    for uid in os.listdir(f"{root}/pods") if os.path.isdir(f"{root}/pods") else []:
        try:
            with open(f"{root}/pods/{uid}/status.json") as f:
                pod = json.load(f)
        except (OSError, ValueError):
            continue
        yield pod.get("status", {}).get("containerStatuses") or []

def restart_count(root):
    """Container restarts across the pods: a probe that fails wrongly would show here."""
    return sum(s.get("restartCount", 0) for statuses in container_statuses(root) for s in statuses)

def ready_count(root):
    return sum(1 for statuses in container_statuses(root) if statuses and all(s.get("ready") for s in statuses))

def scrape(port, token):
    out = subprocess.run(["curl", "-sk", "--max-time", "10", "-H", f"Authorization: Bearer {token}",
                          f"https://127.0.0.1:{port}/metrics"], capture_output=True, text=True).stdout
    buckets, probes = {}, 0.0
    for line in out.splitlines():
        m = re.match(r'swiftlet_prober_schedule_delay_seconds_bucket\{.*le="([^"]+)".*\} (\S+)', line)
        if m:
            buckets[float("inf") if m.group(1) == "+Inf" else float(m.group(1))] = float(m.group(2))
        elif line.startswith("prober_probe_total{"):
            probes += float(line.rsplit(" ", 1)[1])
    return buckets, probes

def main():
    swiftlet = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    work = tempfile.mkdtemp(prefix="swiftlet-bench-probes-")
    root, manifests, logs = (f"{work}/root", f"{work}/manifests", f"{work}/logs")
    os.makedirs(manifests)
    # The run dir on a tmpfs under /run, as the agent's own /run/swiftlet is on every systemd
    # host: exec probes make a FIFO there at every run, and a container's exec socket path
    # (RUN/runtime/ID/exec.sock) stays as short as in production, where it fits sun_path.
    run = f"/run/slbench-{os.getpid()}"
    os.makedirs(run)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512m", "tmpfs", run], check=True)
    agent = None
    try:
        build_image(work, swiftlet, root)
        token = secrets.token_hex(16)
        with open(f"{work}/tokens.csv", "w") as f:
            f.write(f'{token},bench,1,"system:masters"\n')
        api = free_port()
        with open(f"{work}/config.yaml", "w") as f:
            f.write("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
                    f"staticPodPath: {manifests}\nfileCheckFrequency: 20s\npodLogsDir: {logs}\nmaxPods: 110\n"
                    "healthzPort: 0\nauthorization: {mode: AlwaysAllow}\nauthentication: {webhook: {enabled: false}}\n")
        agent = subprocess.Popen([swiftlet, "agent", "--config", f"{work}/config.yaml", "--root-dir", root,
                                  "--run-dir", run, "--hostname-override", "bench", "--port", str(api),
                                  "--token-auth-file", f"{work}/tokens.csv"],
                                 stdout=subprocess.DEVNULL, stderr=open(f"{work}/agent.log", "w"))
        agent_started = time.time()
        time.sleep(1)
        base = 20000 + (os.getpid() % 80) * 120  # below the ephemeral range (32768-60999)
        for i in range(n):
            port = base + i
            h = handlers(port)
            if os.environ.get("BENCH_PROBE_KIND"):  # one handler kind only: exec, http or tcp
                h = [h[["exec", "http", "tcp"].index(os.environ["BENCH_PROBE_KIND"])]] * 3
            startup, liveness, readiness = h[i % 3], h[(i + 1) % 3], h[(i + 2) % 3]
            with open(f"{manifests}/q{i}.yaml", "w") as f:
                f.write(MANIFEST.format(i=i, port=port, startup=startup, liveness=liveness, readiness=readiness))
        deadline = time.time() + 180
        while ready_count(root) < n and time.time() < deadline:
            time.sleep(0.5)
        ready = ready_count(root)
        if ready < n:
            shutil.copy(f"{work}/agent.log", "/tmp/swiftlet-bench-probes-agent.log")
            subprocess.run(f"{swiftlet} ps -a --root-dir {root} | grep -v ' 1/1 ' | head -20", shell=True)
            raise SystemExit(f"only {ready} of {n} pods became ready; agent log in /tmp/swiftlet-bench-probes-agent.log")
        time.sleep(5)  # startup probes are done; liveness and readiness run every second
        # Steady state: the agent's start-up is over once it has given back its start-up pages
        # (its second housekeeping round, 10 s after it started) and faulted back what it runs.
        while time.time() - agent_started < 30:
            time.sleep(0.5)
        b0, p0 = scrape(api, token)
        c0, t0, k0, m0 = cpu_seconds(agent.pid), time.time(), children_cpu_seconds(agent.pid), monitors_cpu_seconds(run)
        if os.environ.get("BENCH_PROFILE"):  # a perf profile of the agent during the window
            subprocess.run(["perf", "record", "-F", os.environ.get("BENCH_PROFILE_FREQ", "499"), "-g", "-p", str(agent.pid), "-o", os.environ["BENCH_PROFILE"],
                            "--", "sleep", "20"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            time.sleep(20)
        cpu = (cpu_seconds(agent.pid) - c0) / (time.time() - t0)
        children = (children_cpu_seconds(agent.pid) - k0) / (time.time() - t0)
        monitors = (monitors_cpu_seconds(run) - m0) / (time.time() - t0)
        b1, p1 = scrape(api, token)
        rss, anon, file_backed = rss_kib(agent.pid)
        elapsed = time.time() - t0
        counts = sorted((le, b1.get(le, 0) - b0.get(le, 0)) for le in b1)
        total = counts[-1][1] if counts else 0
        p99 = next((le for le, c in counts if total and c >= 0.99 * total), float("nan"))
        p50 = next((le for le, c in counts if total and c >= 0.5 * total), float("nan"))
        print(f"{n} pods, 3 probes each at periodSeconds 1 (exec/httpGet/tcpSocket rotating); {(p1 - p0) / elapsed:.0f} probe runs/s")
        print(f"agent CPU: {cpu:.3f} cores (own time, exec children excluded)")
        print(f"exec probes' processes: {monitors:.3f} cores in the containers' monitors (which serve execs), "
              f"{children:.3f} cores in the agent's children (execs it had to spawn itself)")
        print(f"schedule delay: p50 <= {p50 * 1000:.0f} ms, p99 <= {p99 * 1000:.0f} ms (histogram bucket bounds, {int(total)} runs)")
        print(f"agent RSS: {rss / 1024:.1f} MiB (anonymous {anon / 1024:.1f}, file-backed {file_backed / 1024:.1f})")
        print(f"pods ready at the end: {ready_count(root)} of {n}; container restarts: {restart_count(root)}")
        for i in range(n):
            os.remove(f"{manifests}/q{i}.yaml")
        wait_gone(f"{run}/runtime")
    finally:
        teardown(swiftlet, agent, run, work)
        subprocess.run(["umount", "-l", run], stderr=subprocess.DEVNULL)
        shutil.rmtree(run, ignore_errors=True)

if __name__ == "__main__":
    main()
