#!/bin/sh
# `make run`: a one-node swiftlet on this machine, in the foreground.
#
# Builds the example's busybox image from Debian's busybox-static (nodes here reach no public
# registry) and imports it as docker.io/library/busybox:1.36, then runs the agent with
# config/swiftlet.yaml: static pods from config/manifests, pod networking from config/cni.
# Prints how to reach the example web pod once it runs. Ctrl-C stops the agent; the pods keep
# running (as they do under systemd), `rm config/manifests/web.yaml` while it runs stops them.
set -eu
BIN=${1:-.build/debug/swiftlet}
ROOT=${SWIFTLET_ROOT_DIR:-/var/lib/swiftlet}
IMAGE=docker.io/library/busybox:1.36

if ! "$BIN" image inspect "$IMAGE" --root-dir "$ROOT" >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (
    cd "$work"
    umoci init --layout oci >/dev/null
    umoci new --image oci:img
    umoci unpack --image oci:img b >/dev/null
    mkdir -p b/rootfs/bin b/rootfs/sbin b/rootfs/usr/bin b/rootfs/usr/sbin b/rootfs/tmp b/rootfs/etc
    cp /bin/busybox b/rootfs/bin/
    chroot b/rootfs /bin/busybox --install -s
    printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/sh\n' > b/rootfs/etc/passwd
    printf 'root:x:0:\nwww-data:x:33:\n' > b/rootfs/etc/group
    umoci repack --image oci:img b
  ) >/dev/null
  "$BIN" image import "$work/oci" --name "$IMAGE" --root-dir "$ROOT"
fi

# A bearer token for the agent's HTTPS API (kube-apiserver's static token file format).
TOKENS="$ROOT/api-tokens.csv"
if [ ! -s "$TOKENS" ]; then
  mkdir -p "$ROOT"
  umask 077
  printf '%s,admin,admin,"system:masters"\n' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$TOKENS"
  umask 022
fi
TOKEN=$(cut -d, -f1 "$TOKENS")

"$BIN" agent --config config/swiftlet.yaml --root-dir "$ROOT" --cni-conf-dir config/cni --token-auth-file "$TOKENS" &
agent=$!

# Ctrl-C: stop the agent (its pods would keep running, as under systemd), then let an agent
# with no manifests terminate the example's pods, so nothing is left behind.
stop() {
  trap - INT TERM
  kill -TERM $agent 2>/dev/null; wait $agent 2>/dev/null || true
  empty=$(mktemp -d)
  "$BIN" agent --config config/swiftlet.yaml --root-dir "$ROOT" --cni-conf-dir config/cni \
    --pod-manifest-path "$empty" --log-format logfmt 2>/dev/null &
  cleaner=$!
  for _ in $(seq 1 300); do
    [ -z "$(ls "$ROOT/pods" 2>/dev/null)" ] && break
    sleep 0.2
  done
  kill -TERM $cleaner 2>/dev/null; wait $cleaner 2>/dev/null || true
  rmdir "$empty"
  echo "swiftlet: stopped; the example pod was removed"
  exit 0
}
trap stop INT TERM

# Say how to reach the web pod once it runs.
(
  for _ in $(seq 1 300); do
    ip=$("$BIN" ps --root-dir "$ROOT" | awk '$2 ~ /^web-/ && $4 == "Running" {print $7}')
    if [ -n "$ip" ] && [ "$ip" != "<none>" ]; then
      echo
      echo "swiftlet: the example pod is running:"
      "$BIN" ps --root-dir "$ROOT"
      echo
      echo "  curl http://$ip:8080/          # by pod IP"
      echo "  curl http://127.0.0.1:8080/    # through its hostPort"
      echo "  $BIN logs web -c httpd --root-dir $ROOT"
      echo "  $BIN describe web --root-dir $ROOT"
      echo "  $BIN node --root-dir $ROOT"
      echo
      echo "  the agent's HTTPS API (kubelet's paths):"
      echo "  curl -sk -H 'Authorization: Bearer $TOKEN' https://127.0.0.1:10250/pods"
      echo "  curl -sk -H 'Authorization: Bearer $TOKEN' https://127.0.0.1:10250/stats/summary"
      echo "  curl -sk -H 'Authorization: Bearer $TOKEN' https://127.0.0.1:10250/metrics/resource"
      echo
      exit 0
    fi
    sleep 0.2
  done
  echo "swiftlet: the example pod did not start within a minute; see the log above and '$BIN ps -a'"
) &
wait $agent
