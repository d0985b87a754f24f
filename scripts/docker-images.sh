#!/usr/bin/env bash
# Builds the two images the container tests run, on a machine with no image registry: every
# layer is made here.
#
#   scripts/docker-images.sh engine     install docker.io if dockerd is missing (as root, apt-get)
#                                       and start dockerd in the background unless an engine
#                                       already answers; its log goes to $ROCKETSIM_DOCKERD_LOG
#   scripts/docker-images.sh sim        rocketsim/sim:dev: FROM scratch, a static sim binary,
#                                       ENTRYPOINT sim serve
#   scripts/docker-images.sh rocketmq   rocketsim/rocketmq:4.9.7: a debootstrapped Debian root
#                                       filesystem with openjdk-17-jre-headless, the 4.9.7 jars
#                                       realrmq resolves from Maven Central, and the apache/rocketmq
#                                       image's layout
#   scripts/docker-images.sh all        engine, sim and rocketmq
#   scripts/docker-images.sh stop       when this script started dockerd: remove the containers
#                                       testcontainers left on it and stop it (an engine that was
#                                       already running is left alone)
#
# The Debian root filesystem is the slow part (a minute or two); its tarball is cached in
# $ROCKETSIM_IMAGE_CACHE (default ~/.cache/rocketsim/images), so a fresh engine imports it in
# seconds. Delete the tarball to rebuild it (a new JRE from the mirror, say);
# $ROCKETSIM_DEBIAN_MIRROR picks the mirror (default deb.debian.org).
set -euo pipefail
cd "$(dirname "$0")/.."

ROCKETMQ_VERSION=4.9.7
SIM_IMAGE=rocketsim/sim:dev
ROCKETMQ_IMAGE=rocketsim/rocketmq:$ROCKETMQ_VERSION
BASE_IMAGE=rocketsim/debian-jre17:bookworm
DEBIAN_MIRROR=${ROCKETSIM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${ROCKETSIM_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rocketsim/images}
DOCKERD_LOG=${ROCKETSIM_DOCKERD_LOG:-/tmp/rocketsim-dockerd.log}
DOCKERD_PID=${ROCKETSIM_DOCKERD_PID:-/tmp/rocketsim-dockerd.pid}

log() { printf '[docker-images] %s\n' "$*" >&2; }

# Build contexts live here, removed however the script ends.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# build runs docker build quietly (the legacy builder's deprecation notice included), showing
# its output only when it fails.
build() {
  local out
  if ! out=$(docker build "$@" 2>&1); then
    printf '%s\n' "$out" >&2
    return 1
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$@" >/dev/null
}

engine() {
  if docker info >/dev/null 2>&1; then
    log "a Docker engine answers already"
    return
  fi
  if ! command -v dockerd >/dev/null; then
    log "installing docker.io"
    apt_install docker.io
  fi
  log "starting dockerd (log: $DOCKERD_LOG)"
  # setsid: the daemon must not die with the shell that started it, nor get its signals.
  setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  echo $! >"$DOCKERD_PID"
  for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then
      log "dockerd is up (pid $(cat "$DOCKERD_PID"))"
      return
    fi
    if ! kill -0 "$(cat "$DOCKERD_PID")" 2>/dev/null; then
      log "dockerd exited; the end of its log:"
      tail -20 "$DOCKERD_LOG" >&2
      exit 1
    fi
    sleep 0.5
  done
  log "dockerd did not answer within 60 s; the end of its log:"
  tail -20 "$DOCKERD_LOG" >&2
  exit 1
}

stop() {
  if [ ! -f "$DOCKERD_PID" ]; then
    log "this script started no dockerd: nothing stopped (an engine it found is left as it is)"
    return
  fi
  if docker info >/dev/null 2>&1; then
    # Testcontainers labels what it starts; its reaper is off here (no image for it). The
    # engine is the one this script started, so these containers are the tests'.
    ids=$(docker ps -aq --filter label=org.testcontainers=true)
    if [ -n "$ids" ]; then
      log "removing containers: $(echo $ids)"
      docker rm -f $ids >/dev/null
    fi
  fi
  if [ -f "$DOCKERD_PID" ]; then
    pid=$(cat "$DOCKERD_PID")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping dockerd (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$DOCKERD_PID"
  fi
}

sim_image() {
  local ctx=$WORK/sim
  mkdir -p "$ctx"
  log "building $SIM_IMAGE"
  CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ctx/sim" ./cmd/sim
  cp scripts/sim-image/Dockerfile "$ctx/"
  build -t "$SIM_IMAGE" "$ctx"
  log "built $SIM_IMAGE"
}

# base_image imports the cached Debian root filesystem, debootstrapping it first if needed.
base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    return
  fi
  local tarball="$CACHE/debian-bookworm-jre17.tar"
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || apt_install debootstrap
    mkdir -p "$CACHE"
    local root
    root=$(mktemp -d)
    log "debootstrapping Debian bookworm with openjdk-17-jre-headless into $root"
    debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$root" "$DEBIAN_MIRROR" \
      >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; rm -rf "$root"; exit 1; }
    # What an image never uses: package lists, caches, documentation.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
      "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
    tar -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  log "importing $tarball as $BASE_IMAGE"
  docker import "$tarball" "$BASE_IMAGE" >/dev/null
}

rocketmq_image() {
  base_image
  local ctx=$WORK/rocketmq home
  home=$ctx/rocketmq-$ROCKETMQ_VERSION
  mkdir -p "$home/bin" "$home/conf" "$home/lib"
  log "copying the $ROCKETMQ_VERSION jars realrmq runs (realrmq/java/pom.xml)"
  local out
  if ! out=$(mvn -q -B -f realrmq/java/pom.xml -Drocketmq.version=$ROCKETMQ_VERSION \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$home/lib" 2>&1); then
    printf '%s\n' "$out" >&2
    return 1
  fi
  cp scripts/rocketmq-image/bin/* "$home/bin/"
  cp scripts/rocketmq-image/conf/* "$home/conf/"
  cp scripts/rocketmq-image/Dockerfile "$ctx/"
  log "building $ROCKETMQ_IMAGE"
  build --build-arg ROCKETMQ_VERSION=$ROCKETMQ_VERSION -t "$ROCKETMQ_IMAGE" "$ctx"
  log "built $ROCKETMQ_IMAGE"
}

case "${1:-all}" in
  engine) engine ;;
  sim) sim_image ;;
  rocketmq) rocketmq_image ;;
  all) engine; sim_image; rocketmq_image ;;
  stop) stop ;;
  *) echo "usage: $0 [engine|sim|rocketmq|all|stop]" >&2; exit 2 ;;
esac
