// The last stage of a container's start (rootfs-script.ts ends in START_STAGE) and of an exec into it (EXEC_STAGE,
// after nsenter joined the container), run by a shell as the container's user: runc's checks before the command
// (the working directory, Go's exec.LookPath) in runc's words, then "ok" to the lab on fd 3 — or "err <cause>" —,
// every descriptor the lab left open closed, and the command run with exactly the container's environment.

// The container's environment comes as KIADA_ENV_<i>=NAME=value variables (never on a command line, where any host
// user's ps would show it): they become env's arguments in front of the command; env -i drops them.
const ENV_ARGS = `i=\${KIADA_ENV_COUNT:-0}
while [ "$i" -gt 0 ]; do i=$((i - 1)); eval "set -- \\"\\$KIADA_ENV_$i\\" \\"\\$@\\""; done`;

// Go's exec.LookPath as runc runs it before the container's command: `why` prints why $1 cannot be run (empty: it can).
const LOOKUP = `
why() { if [ ! -e "$1" ]; then echo "stat $1: no such file or directory"; elif [ -d "$1" ]; then echo 'is a directory'; elif [ ! -x "$1" ]; then echo 'permission denied'; fi; }
lookup() {
  case $1 in
  */*) w=$(why "$1"); [ -z "$w" ] || { echo "$w"; return 1; }; return 0;;
  esac
  [ -n "$2" ] || { echo 'executable file not found in $PATH'; return 1; }
  p=$2:
  while [ -n "$p" ]; do d=\${p%%:*}; p=\${p#*:}; [ -n "$d" ] || d=.; [ -n "$(why "$d/$1")" ] || return 0; done
  echo 'executable file not found in $PATH'; return 1
}`;

// What the lab's own process left open (a runtime's container gets stdin, stdout, stderr and nothing else): every
// fd above the stage's own is closed. Only bash takes a descriptor above 9 in a redirection; sh closes what it can.
const closeFrom = (first: number) =>
  `for f in /proc/self/fd/*; do f=\${f##*/}; if [ "$f" -ge ${first} ] && { [ -n "\${BASH_VERSION-}" ] || [ "$f" -le 9 ]; }; then eval "exec $f>&-"; fi; done`;

/** The last stage, as the container's user: runc's checks, "ok" to the lab, then the command with exactly its env. */
export const START_STAGE = `${closeFrom(5)}
${LOOKUP}
cwd=$1 cmd=$2 path=$3; shift 3
fail() { printf 'err %s\\n' "$1" >&3; exit 1; }
if ! cd -- "$cwd" 2>/dev/null; then
  if [ -d "$cwd" ]; then fail "chdir to cwd (\\"$cwd\\") set in config.json failed: permission denied"; fi
  fail "chdir to cwd (\\"$cwd\\") set in config.json failed: not a directory"
fi
if ! w=$(lookup "$cmd" "$path"); then fail "exec: \\"$cmd\\": $w"; fi
${ENV_ARGS}
printf 'ok\\n' >&3
exec 2>&4 3>&- 4>&-
exec env -i -- "$@"
`;

/** An exec's last stage (after nsenter joined the container): runc's exec check, on fd 3 as for a start, then the command. */
export const EXEC_STAGE = `${closeFrom(4)}
${LOOKUP}
cmd=$1 path=$2; shift 2
if ! w=$(lookup "$cmd" "$path"); then printf 'err exec: "%s": %s\\n' "$cmd" "$w" >&3; exit 127; fi
${ENV_ARGS}
printf 'ok\\n' >&3
exec 3>&-
exec env -i -- "$@"
`;

/**
 * What the last stage needs: its arguments (the working directory if given, the command runc looks up — argv[0]
 * unless said otherwise —, its PATH, the command line) and the environment variables that carry the container's env.
 */
export function stageInput(spec: { cwd?: string; env: Record<string, string>; argv: string[]; lookup?: string }): { args: string[]; env: Record<string, string> } {
  const entries = Object.entries(spec.env);
  const env: Record<string, string> = { KIADA_ENV_COUNT: String(entries.length) };
  entries.forEach(([k, v], i) => (env[`KIADA_ENV_${i}`] = `${k}=${v}`));
  return { args: [...(spec.cwd !== undefined ? [spec.cwd] : []), spec.lookup ?? spec.argv[0] ?? '', spec.env.PATH ?? '', ...spec.argv], env };
}
