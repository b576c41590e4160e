#!/usr/bin/env bash
# The documentation's "Running with Docker (locally)" example, run for real: the repository's
# docker-compose.yml (the documentation's file, verbatim) brings up two nodes from the image, and
# the test checks that they form a cluster (both in /health, the `connected to` log line), that
# two rooms created through localhost:5002 land on both nodes, and what the image promises:
# metrics on the published ports, EPMD running with the distribution on port 9000, a non-root
# user, a passing HEALTHCHECK and a clean exit (0) on SIGTERM.
#
# Then the documentation's "Running with Docker (globally)" variant, which it says cannot be
# simulated on one machine: two hosts are made as two network namespaces joined by a veth link,
# each with its own dockerd holding the same image; one container per host, named by its host's
# address in `name` mode (j1@10.x.0.1, j2@10.x.0.2) with the API, EPMD (4369) and the
# distribution port (9000) published on the host. Each host routes to the other's container
# network (no NAT: the daemons run without iptables). The test checks that the cluster forms
# across the link and that two creates on one host land on both, each answering with its own
# host's address.
#
# To stay within CI's time the image is not compiled here: the Dockerfile's `runtime-base` stage
# is built as is, and the server already built in this tree is put on top of it the way the
# Dockerfile's last stage puts the one it compiles (COPY of shoal and epmd into /usr/local/bin).
# That small Dockerfile sits next to the compose file in a temporary directory, so `build: .`
# works unchanged.
#
# Docker: a daemon that answers is used; otherwise the test starts its own dockerd (own socket,
# data root and exec root in a temporary directory; no iptables, no default bridge) and stops it
# at the end. When debian:bookworm-slim can be neither found nor pulled (no image
# registry reachable), the test builds that base image with debootstrap from the host's Debian
# mirror and caches its tarball under <build dir>/docker-cache for later runs.
#
# Exit 77 (skip) only when no daemon answers and dockerd cannot be started.
#
# Usage: compose_cluster_test.sh <source dir> <build dir> <shoal binary>
set -euo pipefail

source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
shoal_binary=$3
readonly skip_code=77
readonly base_image=debian:bookworm-slim
readonly token=development
started=$SECONDS

log() { echo "[$((SECONDS - started))s] $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

for tool in docker dockerd docker-compose curl strip; do
  command -v "$tool" > /dev/null || fail "$tool is missing: run scripts/install-deps.sh --test"
done
epmd_binary=$(readlink -f "$(command -v epmd)") || fail "epmd is missing: run scripts/install-deps.sh"
[[ -x $shoal_binary ]] || fail "no server binary at $shoal_binary"

# The classic builder: BuildKit may be missing from the client, and it is not needed here.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0

work=$(mktemp -d "${TMPDIR:-/tmp}/shoal-docker-test.XXXXXX")
project="shoaldockertest$$"
runtime_base_tag="shoal-docker-test-runtime-base:$$"
own_daemon_pid=""
imported_base=false
compose_up=false
# The cross-host phase: two network namespaces ("hosts"), a daemon in each.
host_suffix=$(( $$ % 100000 ))
hosts=("shoalhosta$host_suffix" "shoalhostb$host_suffix")
host_daemon_pids=()
hosts_made=false
cross_host_tag="shoal-cross-host-test:$$"

compose() { timeout 120 docker-compose --project-name "$project" --file "$work/context/docker-compose.yml" "$@"; }
# Runs a command on this machine ("local") or in one of the cross-host part's hosts (0 or 1).
on_host() {
  local where=$1
  shift
  if [[ $where == local ]]; then "$@"; else ip netns exec "${hosts[$where]}" "$@"; fi
}

# Waits up to 60 s until each node's /health lists the other. $1, $2: commands printing node 1's
# and node 2's /health; $3, $4: the two node names. The last answers are left in h1 and h2.
wait_for_mesh() {
  for _ in $(seq 120); do
    h1=$($1 || true)
    h2=$($2 || true)
    if grep -q "\"connectedNodes\":\[[^]]*\"$4\"" <<< "$h1" &&
      grep -q "\"connectedNodes\":\[[^]]*\"$3\"" <<< "$h2"; then
      return 0
    fi
    sleep 0.5
  done
  return 1
}

# Two POST /room to the node at $2 (run from $1, see on_host); leaves the answered addresses in
# `addresses` and, sorted on one line, in `placed`.
create_two_rooms() {
  local response address i
  addresses=()
  for i in 1 2; do
    response=$(on_host "$1" curl --silent --show-error --max-time 10 -X POST -H "authorization: Bearer $token" \
      "http://$2/room") || fail "POST /room $i to $2 failed"
    address=$(grep -o '"jellyfish_address":"[^"]*"' <<< "$response" | cut -d'"' -f4)
    [[ -n $address ]] || fail "POST /room $i answered without jellyfish_address: $response"
    log "POST /room $i to $2 -> $address"
    addresses+=("$address")
  done
  placed=$(printf '%s\n' "${addresses[@]}" | sort | tr '\n' ' ')
}

# Stops a dockerd this test started and what it started (containerd, shims, proxies: its
# process group): SIGTERM, up to 30 s to finish, then SIGKILL to the group.
stop_daemon_group() {
  local pid=$1
  kill -TERM "$pid" 2> /dev/null
  for _ in $(seq 300); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2> /dev/null
  return 0
}

stop_own_dockerd() {
  [[ -n $own_daemon_pid ]] || return 0
  stop_daemon_group "$own_daemon_pid"
  # Mounts that a killed daemon left behind would block removing its data root.
  grep -o " $work/[^ ]*" /proc/self/mounts | cut -c2- | sort -r | xargs -r -n1 umount -l 2> /dev/null
  return 0
}

remove_hosts() {
  local pid
  for pid in "${host_daemon_pids[@]}"; do stop_daemon_group "$pid"; done
  grep -o " $work/host[^ ]*" /proc/self/mounts | cut -c2- | sort -r | xargs -r -n1 umount -l 2> /dev/null
  if $hosts_made; then
    ip netns del "${hosts[0]}" 2> /dev/null
    ip netns del "${hosts[1]}" 2> /dev/null
  fi
  return 0
}

cleanup() {
  local status=$?
  set +e
  log "cleaning up"
  remove_hosts
  timeout 60 docker image rm "$cross_host_tag" > /dev/null 2>&1
  if $compose_up; then
    # --rmi local: the images compose built for the two services (they have no other tag).
    timeout 120 docker-compose --project-name "$project" --file "$work/context/docker-compose.yml" \
      down --rmi local --volumes --remove-orphans --timeout 10 > /dev/null 2>&1 ||
      echo "warning: docker-compose down failed" >&2
  fi
  if [[ -z $own_daemon_pid ]]; then
    # A daemon that was there before keeps only what it had.
    timeout 60 docker image rm "$runtime_base_tag" > /dev/null 2>&1
    $imported_base && timeout 60 docker image rm "$base_image" > /dev/null 2>&1
  else
    stop_own_dockerd
  fi
  rm -rf "$work"
  log "done (exit $status)"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- A Docker daemon ---------------------------------------------------------------------------
if timeout 20 docker version --format '{{.Server.Version}}' > /dev/null 2>&1; then
  log "using the Docker daemon that answers"
else
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: no Docker daemon answers and dockerd needs root to start"
    exit $skip_code
  fi
  export DOCKER_HOST="unix://$work/docker/docker.sock"
  # No iptables and no default bridge: the test needs neither NAT nor docker0 (builds use the
  # host network, compose makes its own network, published ports go through docker-proxy), and
  # netfilter may be missing where the daemon runs nested. The storage driver is the daemon's
  # choice (overlay2 where overlay mounts work); failing that, vfs works anywhere.
  start_dockerd() {
    rm -rf "$work/docker"
    mkdir -p "$work/docker/data" "$work/docker/exec"
    setsid dockerd --host "$DOCKER_HOST" --data-root "$work/docker/data" --exec-root "$work/docker/exec" \
      --pidfile "$work/docker/dockerd.pid" --iptables=false --bridge none "$@" \
      > "$work/docker/dockerd.log" 2>&1 < /dev/null &
    own_daemon_pid=$!
    for _ in $(seq 120); do
      timeout 5 docker version > /dev/null 2>&1 && return 0
      kill -0 "$own_daemon_pid" 2> /dev/null || break
      sleep 0.5
    done
    stop_own_dockerd
    return 1
  }
  if ! start_dockerd && ! start_dockerd --storage-driver vfs; then
    tail -n 20 "$work/docker/dockerd.log"
    echo "SKIP: no Docker daemon answers and dockerd could not be started (its log is above)"
    exit $skip_code
  fi
  log "started dockerd (pid $own_daemon_pid, storage driver $(timeout 10 docker info --format "{{.Driver}}"))"
fi

# --- The base image ----------------------------------------------------------------------------
# The first bookworm mirror of the host's apt sources (deb822 files first, then one-line ones).
host_debian_mirror() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [[ -f $file ]] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        uris = ""; suites = 0; enabled = 1
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, f, /[ \t]+/); uris = f[2] }
          if ($i ~ /^Suites:/ && $i ~ /[ \t]bookworm([ \t]|$)/) suites = 1
          if ($i ~ /^Enabled:[ \t]*no/) enabled = 0
        }
        if (uris != "" && suites && enabled) { print uris; exit }
      }' "$file"
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $file ]] || continue
    sed -nE 's/^deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+bookworm([ \t].*)?$/\2/p' "$file"
  done
}

# A stand-in for the official image: Debian 12 minbase without documentation, like the slim one.
make_base_tarball() {
  local tarball=$1 mirror rootfs="$work/rootfs"
  mirror=$(host_debian_mirror)
  mirror=${mirror%%$'\n'*}
  [[ -n $mirror ]] || fail "no bookworm mirror in the host's apt sources"
  log "debootstrap bookworm (minbase) from the host's mirror"
  timeout 420 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; fail "debootstrap failed"; }
  cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" << 'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log \
    "$rootfs"/var/cache/ldconfig/aux-cache
  mkdir -p "$(dirname "$tarball")"
  tar --numeric-owner -C "$rootfs" -czf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  rm -rf "$rootfs"
}

if timeout 30 docker image inspect "$base_image" > /dev/null 2>&1; then
  log "$base_image is there"
elif timeout 20 docker pull "$base_image" > /dev/null 2>&1; then
  log "pulled $base_image"
  imported_base=true
else
  base_tarball="$build_dir/docker-cache/debian-bookworm-minbase.tar.gz"
  if [[ -s $base_tarball ]]; then
    log "$base_image cannot be pulled: importing the cached debootstrap tarball"
  else
    log "$base_image cannot be pulled: building it"
    make_base_tarball "$base_tarball"
  fi
  timeout 120 docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$base_tarball" "$base_image" > /dev/null
  imported_base=true
  log "imported $base_image"
fi

# --- The image -----------------------------------------------------------------------------------
# The runtime stage as the Dockerfile has it. Its packages come from the mirror in the base
# image's apt sources; the build uses the host's network, which reaches it without NAT.
log "building the Dockerfile's runtime-base stage"
timeout 480 docker build --network host --target runtime-base --tag "$runtime_base_tag" "$source_dir" \
  > "$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; fail "docker build --target runtime-base failed"; }

mkdir -p "$work/context"
strip -o "$work/context/shoal" "$shoal_binary"
cp "$epmd_binary" "$work/context/epmd"
cat > "$work/context/Dockerfile" << EOF
FROM $runtime_base_tag
COPY shoal epmd /usr/local/bin/
EOF
cp "$source_dir/docker-compose.yml" "$work/context/docker-compose.yml"

# --- The documentation's compose file ------------------------------------------------------------
for port in 5001 5002 6001 6002; do
  if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    fail "port $port is taken on this machine; the documentation's compose file publishes it"
  fi
done
log "docker-compose up"
compose_up=true
timeout 240 docker-compose --project-name "$project" --file "$work/context/docker-compose.yml" \
  up --detach --build > "$work/compose-up.log" 2>&1 || { tail -n 30 "$work/compose-up.log"; fail "docker-compose up failed"; }
c1=$(compose ps -q jellyfish1)
c2=$(compose ps -q jellyfish2)
[[ -n $c1 && -n $c2 ]] || fail "the two services are not running"
image_id=$(timeout 30 docker inspect --format '{{.Image}}' "$c1")
image_size=$(timeout 30 docker image inspect --format '{{.Size}}' "$image_id")
base_size=$(timeout 30 docker image inspect --format '{{.Size}}' "$base_image")
log "image size: $((image_size / 1000000)) MB (base image $((base_size / 1000000)) MB)"

show_logs() {
  compose logs --no-color --tail 40 2>&1 || true
}

health() { curl --silent --max-time 2 -H "authorization: Bearer $token" "http://localhost:$1/health"; }
health1() { health 5001; }
health2() { health 5002; }

# Both nodes in /health, on both sides: j1 lists j2 and j2 lists j1.
wait_for_mesh health1 health2 j1@jellyfish1 j2@jellyfish2 ||
  { show_logs; echo "j1: $h1"; echo "j2: $h2"; fail "the cluster did not form within 60 s"; }
log "cluster formed: $h2"

compose logs --no-color > "$work/compose.log" 2>&1
grep -qE 'connected to :"j[12]@jellyfish[12]"' "$work/compose.log" ||
  { show_logs; fail "no 'connected to' log line"; }

# Two creates sent to localhost:5002 land on both nodes.
create_two_rooms local localhost:5002
[[ $placed == "localhost:5001 localhost:5002 " ]] ||
  fail "two creates should land on localhost:5001 and localhost:5002, landed on: $placed"

# The published metrics ports answer: the image's metrics listen on every address.
for port in 6001 6002; do
  metrics=$(curl --silent --show-error --fail --max-time 10 "http://localhost:$port/metrics") ||
    fail "the metrics port $port does not answer"
  grep -q '^jellyfish_rooms ' <<< "$metrics" || fail "no jellyfish_rooms on the metrics port $port"
done
log "metrics answer on 6001 and 6002"

# EPMD runs in each container, and the node is registered on the image's distribution port.
for c in "$c1" "$c2"; do
  names=$(timeout 20 docker exec "$c" epmd -names) || fail "epmd -names failed in $c"
  grep -qE '^name j[12] at port 9000$' <<< "$names" || fail "node not on port 9000: $names"
  user=$(timeout 20 docker exec "$c" id -un) || fail "docker exec id failed"
  [[ $user == shoal ]] || fail "the server runs as '$user', not as the image's non-root user"
  pid1=$(timeout 20 docker exec "$c" cat /proc/1/comm) || fail "docker exec cat failed"
  [[ $pid1 == tini ]] || fail "PID 1 is '$pid1', not tini"
done
log "epmd serves j1 and j2 on port 9000; the server runs as shoal under tini"

# The image's HEALTHCHECK (first probe after its 10 s interval).
healthy=false
for _ in $(seq 60); do
  s1=$(timeout 30 docker inspect --format '{{.State.Health.Status}}' "$c1")
  s2=$(timeout 30 docker inspect --format '{{.State.Health.Status}}' "$c2")
  if [[ $s1 == healthy && $s2 == healthy ]]; then
    healthy=true
    break
  fi
  sleep 1
done
$healthy || fail "containers not healthy within 60 s: $s1 $s2"
log "both containers healthy"

# SIGTERM (docker stop): the server drains and exits 0 within the 20 s grace period; had it not
# (SIGTERM lost on the way to it, or ignored), Docker would have killed it: exit code 137.
stop_started=$SECONDS
timeout 60 docker-compose --project-name "$project" --file "$work/context/docker-compose.yml" \
  stop --timeout 20 > /dev/null 2>&1 || fail "docker-compose stop failed"
stop_took=$((SECONDS - stop_started))
for c in "$c1" "$c2"; do
  code=$(timeout 30 docker inspect --format '{{.State.ExitCode}}' "$c")
  [[ $code == 0 ]] || { show_logs; fail "container exited with $code on SIGTERM"; }
done
log "both containers stopped on SIGTERM with exit code 0 in $stop_took s"

# --- The cross-host variant ----------------------------------------------------------------------
command -v ip > /dev/null || fail "ip is missing: run scripts/install-deps.sh --test"
[[ $(id -u) -eq 0 ]] || fail "the cross-host part needs root (network namespaces)"
# A /30 per run, unlikely to meet anything on the machine (10.200-249.x.0/30).
subnet="10.$((200 + RANDOM % 50)).$((RANDOM % 256))"
host_ip=("$subnet.1" "$subnet.2")
container_net=("172.31.$((RANDOM % 120 + 1))" "")
container_net[1]="172.31.$(( ${container_net[0]##*.} + 120 ))"
host_docker() { local index=$1; shift; DOCKER_HOST="unix://$work/host$index/docker.sock" timeout 240 docker "$@"; }

log "making two hosts: ${hosts[0]} (${host_ip[0]}) and ${hosts[1]} (${host_ip[1]}), joined by a veth link"
ip netns add "${hosts[0]}"
hosts_made=true
ip netns add "${hosts[1]}"
ip link add "vxa$host_suffix" netns "${hosts[0]}" type veth peer name "vxb$host_suffix" netns "${hosts[1]}"
for i in 0 1; do
  link=$([[ $i == 0 ]] && echo "vxa$host_suffix" || echo "vxb$host_suffix")
  other=$((1 - i))
  ip -n "${hosts[$i]}" link set lo up
  ip -n "${hosts[$i]}" addr add "${host_ip[$i]}/30" dev "$link"
  ip -n "${hosts[$i]}" link set "$link" up
  on_host "$i" sysctl -qw net.ipv4.ip_forward=1
  # Each host routes to the other's container network, as routers between real hosts would.
  ip -n "${hosts[$i]}" route add "${container_net[$other]}.0/24" via "${host_ip[$other]}"
done

storage_driver=$(timeout 10 docker info --format "{{.Driver}}")
docker tag "$image_id" "$cross_host_tag"
# `ip netns exec` gives its command a /sys of the namespace, without the cgroup mounts dockerd
# needs: they are mounted there again as this host has them (cgroup v1, v2 or both).
cgroup_mounts=$(awk '$2 ~ "^/sys/fs/cgroup" && ($3 == "tmpfs" || $3 == "cgroup" || $3 == "cgroup2") { print $3, $2, $4 }' /proc/self/mounts)
for i in 0 1; do
  mkdir -p "$work/host$i/data" "$work/host$i/exec"
  # shellcheck disable=SC2016
  ip netns exec "${hosts[$i]}" bash -c '
      while read -r type path options; do
        [[ -n $type ]] || continue
        mkdir -p "$path" 2> /dev/null
        mount -t "$type" -o "$options" "$type" "$path" || exit 1
      done <<< "$1"
      shift
      exec setsid "$@"' _ "$cgroup_mounts" \
    dockerd --host "unix://$work/host$i/docker.sock" --data-root "$work/host$i/data" \
    --exec-root "$work/host$i/exec" --pidfile "$work/host$i/dockerd.pid" --iptables=false --bridge none \
    --storage-driver "$storage_driver" > "$work/host$i/dockerd.log" 2>&1 < /dev/null &
  host_daemon_pids+=($!)
done
for i in 0 1; do
  up=false
  for _ in $(seq 120); do
    if DOCKER_HOST="unix://$work/host$i/docker.sock" timeout 5 docker version > /dev/null 2>&1; then
      up=true
      break
    fi
    sleep 0.5
  done
  $up || { tail -n 20 "$work/host$i/dockerd.log"; fail "dockerd did not start in ${hosts[$i]}"; }
done
log "a dockerd runs in each host; loading the image into both"
timeout 240 docker save "$cross_host_tag" > "$work/image.tar" || fail "docker save failed"
for i in 0 1; do
  host_docker "$i" load --input "$work/image.tar" > /dev/null || fail "docker load into ${hosts[$i]} failed"
done
rm -f "$work/image.tar"
log "image loaded into both hosts"

nodes="j1@${host_ip[0]} j2@${host_ip[1]}"
for i in 0 1; do
  host_docker "$i" network create --subnet "${container_net[$i]}.0/24" shoalnet > /dev/null ||
    fail "docker network create in ${hosts[$i]} failed"
  host_docker "$i" run --detach --name "j$((i + 1))" --network shoalnet \
    --publish 8080:8080 --publish 4369:4369 --publish 9000:9000 \
    --env JF_SERVER_API_TOKEN=$token --env JF_DIST_ENABLED=true --env JF_DIST_MODE=name \
    --env "JF_DIST_NODE_NAME=j$((i + 1))@${host_ip[$i]}" --env "JF_DIST_NODES=$nodes" \
    --env "JF_HOST=${host_ip[$i]}:8080" "$cross_host_tag" > /dev/null || fail "docker run in ${hosts[$i]} failed"
done
log "j1 and j2 started, one per host, with 8080, 4369 and 9000 published"

host_health() { on_host "$1" curl --silent --max-time 2 -H "authorization: Bearer $token" "http://${host_ip[$1]}:8080/health"; }
host1_health() { host_health 0; }
host2_health() { host_health 1; }
show_host_logs() {
  for i in 0 1; do
    echo "--- j$((i + 1)) on ${hosts[$i]}:"
    host_docker "$i" logs --tail 30 "j$((i + 1))" 2>&1 || true
  done
}
wait_for_mesh host1_health host2_health "j1@${host_ip[0]}" "j2@${host_ip[1]}" ||
  { show_host_logs; echo "j1: $h1"; echo "j2: $h2"; fail "the cross-host cluster did not form within 60 s"; }
log "cross-host cluster formed: $h1"
host_docker 0 logs j1 > "$work/j1.log" 2>&1
host_docker 1 logs j2 > "$work/j2.log" 2>&1
grep -qE "connected to :\"j[12]@$subnet\.[12]\"" "$work/j1.log" "$work/j2.log" ||
  { show_host_logs; fail "no 'connected to' log line across the hosts"; }

create_two_rooms 1 "${host_ip[1]}:8080"
[[ $placed == "${host_ip[0]}:8080 ${host_ip[1]}:8080 " ]] ||
  fail "two creates should land on both hosts, landed on: $placed"
# The room created on the first host through the second is served there.
for address in "${addresses[@]}"; do
  index=$([[ $address == "${host_ip[0]}:8080" ]] && echo 0 || echo 1)
  rooms=$(on_host "$index" curl --silent --max-time 5 -H "authorization: Bearer $token" "http://$address/room")
  grep -q '"id"' <<< "$rooms" || fail "the room placed on $address is not listed there: $rooms"
done
log "two creates on the second host landed one on each host"

echo "PASS: the documentation's compose cluster works ($((image_size / 1000000)) MB image), and so does its cross-host variant"
