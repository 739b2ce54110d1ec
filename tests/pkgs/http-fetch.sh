#!/usr/bin/env bash
# Serves a file over HTTP on 127.0.0.1 (python3's http.server on a port the
# system picks) and runs the given command with the file's URL appended, e.g.
#   tests/pkgs/http-fetch.sh qemu-riscv64 result/bin/curl -sS
# Prints the command's output; exits with its status. The served file holds
# the line "hello from http".
set -uo pipefail
dir=$(mktemp -d)
log=$dir/server.log
echo "hello from http" > "$dir/hello.txt"
PYTHONUNBUFFERED=1 python3 -m http.server 0 --bind 127.0.0.1 --directory "$dir" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/^Serving HTTP on [^ ]* port \([0-9]*\).*/\1/p' "$log")
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || { echo "http-fetch.sh: the HTTP server did not start: $(cat "$log")" >&2; exit 1; }
    sleep 0.1
done
[ -n "$port" ] || { echo "http-fetch.sh: the HTTP server did not say its port within 10 s" >&2; exit 1; }
"$@" "http://127.0.0.1:$port/hello.txt"
