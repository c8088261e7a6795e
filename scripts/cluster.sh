#!/usr/bin/env bash
# `npm run cluster -- up|down [--nodes N] [--dcs etcd3|etcd|zookeeper]`: set-up on a fresh machine (Debian
# packages when root, pnpm, the workspace, a build), then the local cluster of real processes (etcd or ZooKeeper,
# N of our agents, HAProxy) from test-cluster/. PostgreSQL refuses root, so as root it runs as `postgres`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-up}" != down ]; then bash scripts/setup.sh; fi
cli=(node test-cluster/dist/cli.js "$@")
if [ "$(id -u)" = 0 ]; then
  # setpriv execs in place (runuser would SIGKILL the cluster 2 s into its graceful Ctrl-C shutdown).
  exec setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/var/lib/postgresql PATH="$PATH" "${cli[@]}"
fi
exec "${cli[@]}"
