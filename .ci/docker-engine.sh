# Sourced by .ci/run (which defines `fail`): a Docker engine of its own for the image checks, with host networking
# only (no bridge and no iptables: no docker0, nothing in a private range in the host namespace) and vfs storage
# (works on any filesystem). engine_start installs docker.io when needed, starts dockerd in the background and
# waits for it; engine_stop removes the containers run and the images made meanwhile, and the build cache (with vfs
# every layer is a whole copy: a run's cache is gigabytes, and runs on one machine filled its disk), then stops that
# dockerd by its PID.

engine_config='{"bridge":"none","iptables":false,"ip-forward":false,"ip-masq":false,"storage-driver":"vfs"}'
engine_pid='' engine_log='' engine_backup='' engine_before='' engine_images=''

# Whether /etc/docker/daemon.json says the same as engine_config (as JSON: key order and spacing aside).
engine_config_kept() {
  node -e 'const [file, want] = process.argv.slice(1);
    const have = JSON.parse(require("node:fs").readFileSync(file, "utf8"));
    process.exit(require("node:util").isDeepStrictEqual(have, JSON.parse(want)) ? 0 : 1)' /etc/docker/daemon.json "$engine_config" 2>/dev/null
}

engine_start() {
  # daemon.json before docker.io is installed: no dockerd, whoever starts it, may make a bridge. Another config
  # is put back on exit.
  mkdir -p /etc/docker
  if [ -e /etc/docker/daemon.json ] && ! engine_config_kept; then
    engine_backup=$(mktemp /tmp/kiada-daemon-json-XXXXXX)
    cp -p /etc/docker/daemon.json "$engine_backup"
  fi
  engine_config_kept || echo "$engine_config" >/etc/docker/daemon.json

  if ! command -v dockerd >/dev/null; then
    # Debian's policy-rc.d: no service starts while the package installs (dockerd is started below, by us).
    local policy=''
    [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; policy=1; }
    local ok=1
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io >/dev/null; } || ok=''
    [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
    [ -n "$ok" ] || fail "apt-get install docker.io failed"
  fi
  ! docker info >/dev/null 2>&1 || fail "a Docker engine is already running: CI starts its own (host networking only)"

  engine_log=$(mktemp /tmp/kiada-dockerd-XXXXXX.log)
  dockerd >"$engine_log" 2>&1 &
  engine_pid=$!
  local end=$((SECONDS + 60))
  until docker info >/dev/null 2>&1; do
    kill -0 "$engine_pid" 2>/dev/null || { tail -5 "$engine_log" >&2; engine_pid=''; fail "dockerd exited at start (its log above)"; }
    [ $SECONDS -lt $end ] || { tail -5 "$engine_log" >&2; fail "dockerd did not answer within 60 s (its log above)"; }
    sleep 0.2
  done
  engine_before=$(docker ps -aq --no-trunc | sort)
  engine_images=$(docker images -aq --no-trunc | sort -u)
}

engine_stop() {
  if [ -n "$engine_pid" ]; then
    local ran
    ran=$(comm -13 <(echo "$engine_before") <(docker ps -aq --no-trunc 2>/dev/null | sort) | grep . || true)
    [ -z "$ran" ] || docker rm -f $ran >/dev/null 2>&1 || true
    local made
    made=$(comm -13 <(echo "$engine_images") <(docker images -aq --no-trunc 2>/dev/null | sort -u) | grep . || true)
    [ -z "$made" ] || docker rmi -f $made >/dev/null 2>&1 || true
    docker builder prune -af >/dev/null 2>&1 || true
    kill -TERM "$engine_pid" 2>/dev/null || true
    local end=$((SECONDS + 30))
    while kill -0 "$engine_pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.2; done
    kill -KILL "$engine_pid" 2>/dev/null || true
    wait "$engine_pid" 2>/dev/null || true
    engine_pid=''
  fi
  [ -z "$engine_backup" ] || { mv "$engine_backup" /etc/docker/daemon.json; engine_backup=''; }
  [ -z "$engine_log" ] || { rm -f "$engine_log"; engine_log=''; }
}
