#!/usr/bin/env bash
# Brings a fresh Debian 12 + Node 20 machine to the point where the workspace builds and its tests can
# run: the real servers the tests start (PostgreSQL 15, etcd, ZooKeeper, HAProxy, Python Patroni as the
# reference), pnpm, the workspace dependencies (frozen lockfile) and a build. Quick when all is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(postgresql-15 etcd-server etcd-client zookeeper haproxy iptables nftables iproute2 patroni python3-etcd python3-kazoo)
PNPM_VERSION=10.34.9

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" default-jre-headless >/dev/null
fi
# Debian's packages may start their own servers; tests start theirs on free ports, so stop these.
for svc in postgresql etcd zookeeper haproxy patroni; do
  command -v service >/dev/null 2>&1 && service "$svc" stop >/dev/null 2>&1 || true
done

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi
export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile --reporter=silent
pnpm run -s build
