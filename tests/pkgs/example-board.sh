#!/usr/bin/env bash
# Builds the example board's system (examples/riscv64-board, a flake) with
# xnix and checks it: its programs are riscv64 ELF files, its units are in
# etc/, and its status service (busybox httpd) answers the board's curl, both
# run here under qemu-user. With XNIX_STORE_ROOT (as scripts/test sets it)
# the store is the matrix's, so the packages the matrix built for riscv64
# are reused.
#   XNIX=path/to/xnix tests/pkgs/example-board.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
xnix=${XNIX:-xnix}
storeRoot=${XNIX_STORE_ROOT-} storeDir=${XNIX_STORE_DIR:-/xnix/store}
passed=0 failed=0
check() { # description command...
    local what=$1; shift
    if "$@"; then passed=$((passed + 1)); echo "PASS $what"
    else failed=$((failed + 1)); echo "FAIL $what"; fi
}
# phys (a store path's physical place) and inStore (run with the store at its logical place).
source "$here/store-view.sh"
# The logical path a path in the system leads to, following links in every
# component (the system's sw and etc are links into other store paths).
resolve() { # logical path
    local rest=${1#/} cur="" comp l n=0
    while [ -n "$rest" ]; do
        comp=${rest%%/*}
        if [ "$comp" = "$rest" ]; then rest=""; else rest=${rest#*/}; fi
        [ -n "$comp" ] || continue
        if [ -L "$(phys "$cur/$comp")" ] && [ $((n += 1)) -lt 80 ]; then
            l=$(readlink "$(phys "$cur/$comp")")
            case $l in /*) cur="" ;; esac
            rest=${l#/}${rest:+/$rest}
        else
            cur="$cur/$comp"
        fi
    done
    printf '%s' "$cur"
}
isRiscv() { readelf -h "$(phys "$(resolve "$1")")" 2>/dev/null | grep -q 'Machine:.*RISC-V'; }

attr="$root/examples/riscv64-board#nixosConfigurations.board.config.system.build.toplevel"
log=$(mktemp); trap 'rm -f "$log"' EXIT
top=$("$xnix" build "$attr" 2>"$log" | tail -1)
if [ -z "$top" ] || [ ! -d "$(phys "$top")" ]; then
    tail -20 "$log"; echo "FAIL the example board's toplevel builds"; echo "0 passed, 1 failed"; exit 1
fi
check "the example board's toplevel builds ($top)" true
for p in bin/busybox bin/curl sbin/dropbear bin/dropbearkey; do
    check "sw/$p is a riscv64 program" isRiscv "$top/sw/$p"
done
for u in dropbear board-status; do
    check "etc has the $u unit, wanted by multi-user.target" \
        test -e "$(phys "$(resolve "$top/etc/systemd/system/multi-user.target.wants/$u.service")")"
done

# The status service's command line, run here: busybox httpd (riscv64) serves
# the page, the board's curl (riscv64) fetches it.
unit=$(phys "$(resolve "$top/etc/systemd/system/board-status.service")")
start=$(sed -n 's/^ExecStart=//p' "$unit")
page=$(grep -o -- "-h $storeDir/[^ ]*" "$(phys "$start")" | cut -d' ' -f2)
check "the status unit serves a page ($page)" test -f "$(phys "$page")/index.html"
port=$((20000 + RANDOM % 20000))
got=$(inStore bash -c '
    qemu-riscv64 -L /usr/riscv64-linux-gnu "$1/sw/bin/busybox" httpd -f -p "127.0.0.1:$3" -h "$2" & server=$!
    for i in $(seq 50); do
        out=$(qemu-riscv64 -L /usr/riscv64-linux-gnu "$1/sw/bin/curl" -fsS "http://127.0.0.1:$3/" 2>/dev/null) && break
        sleep 0.2
    done
    kill $server; wait $server 2>/dev/null
    printf "%s" "$out"' _ "$top" "$page" "$port")
check "the board's curl fetches the status page from its busybox httpd (under qemu)" grep -q '<h1>board</h1>' <<<"$got"

# Deployed as the README says: `xnix rebuild switch --flake ...#board
# --target-host` to an SSH test host (sshd in namespaces of this machine,
# xnix-test-lab), which then runs the board's programs from its new system.
lab="$(dirname "$(command -v "$xnix")")/xnix-test-lab"
if [ -n "$storeRoot" ] && [ -x "$lab" ]; then
    onBoard=$("$lab" switch "$(command -v "$xnix")" "$storeRoot" "$root/examples/riscv64-board#board" '
        readlink /xnix/var/xnix/profiles/system
        test -e /etc/systemd/system/board-status.service && echo "status unit in /etc"
        qemu-riscv64 -L /usr/riscv64-linux-gnu /xnix/var/xnix/current-system/sw/bin/curl --version | head -1' 2>"$log")
    [ -n "$onBoard" ] || tail -20 "$log"
    check "xnix rebuild switch deploys the board to a test host (generation 1)" grep -qx system-1-link <<<"$onBoard"
    check "the deployed board has its units in /etc" grep -qx "status unit in /etc" <<<"$onBoard"
    check "the deployed board runs its curl (under qemu)" grep -q "^curl .*riscv64" <<<"$onBoard"
else
    check "the deployment step has a store root and xnix-test-lab beside xnix ($lab)" false
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
