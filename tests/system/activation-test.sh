#!/usr/bin/env bash
# Activates two generations of tests/system/generation.nix on a throw-away
# copy of this machine: a private mount namespace whose root holds the
# machine's /usr (and /bin, /lib, ...) read-only, a copy of its /etc, the test
# store at /xnix/store and an empty /xnix/var. Nothing of the real machine
# changes. Run by crates/xnix/tests/system_activate.rs:
#
#   activation-test.sh STORE_ROOT GEN1 GEN2
#
# STORE_ROOT is the physical root of the store the two toplevels (logical
# /xnix/store/... paths) were built into. Needs root (for unshare -m).
set -euo pipefail

if [ "${1-}" != --inside ]; then
    [ $# = 3 ] || { echo "usage: $0 STORE_ROOT GEN1 GEN2" >&2; exit 2; }
    [ "$(id -u)" = 0 ] || { echo "$0: needs root (a mount namespace and chroot)" >&2; exit 1; }
    exec unshare --mount --propagation private "$0" --inside "$@"
fi
shift
store_root=$1 gen1=$2 gen2=$3

# ---- the throw-away root ----------------------------------------------------
new=$(mktemp -d /tmp/xnix-activation-root.XXXXXX)
mount -t tmpfs tmpfs "$new"
for d in usr bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$new/$d"
    elif [ -d "/$d" ]; then mkdir "$new/$d"; mount --bind "/$d" "$new/$d"; mount -o remount,bind,ro "$new/$d"
    fi
done
# systemd "runs" here: /run/systemd/system exists and a stand-in systemctl
# (first on activation's PATH, in a private /usr/local) logs its arguments.
mount -t tmpfs tmpfs "$new/usr/local"
mkdir -p "$new/usr/local/bin" "$new/run/systemd/system"
printf '#!/bin/sh\necho "$*" >> /var/log/systemctl.log\n' > "$new/usr/local/bin/systemctl"
chmod 755 "$new/usr/local/bin/systemctl"
mkdir -p "$new/etc" "$new/xnix/store" "$new/xnix/var" "$new/dev" "$new/proc" "$new/tmp" "$new/home" "$new/var/log" "$new/var/empty" "$new/root"
cp -a /etc/. "$new/etc/"
mount --bind "$store_root/xnix/store" "$new/xnix/store"
mount --bind /dev "$new/dev"
mount -t proc proc "$new/proc"
chmod 1777 "$new/tmp"

# ---- the steps, run inside it ------------------------------------------------------
cat > "$new/tmp/steps.sh" <<'STEPS'
set -u
gen1=$1 gen2=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { # DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then echo "ok: $d"; else fail "$d"; fi
}
calls=/var/log/systemctl.log
# Whether systemctl was called exactly with these argument lines since the last `rm -f $calls`.
calls_are() { [ "$(cat "$calls" 2>/dev/null)" = "$(printf '%s\n' "$@")" ]; }
no_calls() { [ ! -s "$calls" ]; }
link_is() { [ -L "$1" ] && [ "$(readlink "$1")" = "$2" ]; }
content_is() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
state=/xnix/var/xnix
log=/var/log/xnix-activation-order

# The machine as it was before: its own motd, and a file next to ours.
printf 'unmanaged motd\n' > /etc/motd
mkdir -p /etc/xnix-test
printf 'keep me\n' > /etc/xnix-test/keep.conf
had_hostname=$(cat /etc/hostname 2>/dev/null || true)
etc_before=$(cd /etc && find . | sort | md5sum)

echo "== dry-activate generation 1"
out=$("$gen1/bin/switch-to-configuration" dry-activate 2>&1); echo "$out"
check "dry-activate says it would link /etc/motd" sh -c 'printf "%s" "$1" | grep -q "would link /etc/motd to /etc/static/motd"' _ "$out"
check "dry-activate says it would move the unmanaged motd aside" sh -c 'printf "%s" "$1" | grep -q "would move /etc/motd (not managed by this system) aside"' _ "$out"
check "dry-activate says it would create the user" sh -c 'printf "%s" "$1" | grep -q "would create the user xnixsvc"' _ "$out"
check "dry-activate changes nothing in /etc" [ "$(cd /etc && find . | sort | md5sum)" = "$etc_before" ]
check "dry-activate leaves the motd" content_is /etc/motd "unmanaged motd"
check "dry-activate creates no user" sh -c '! getent passwd xnixsvc >/dev/null'
check "dry-activate runs no activation script" [ ! -e "$log" ]
check "dry-activate writes no state" [ ! -e "$state" ]
check "dry-activate says it would start the wanted service" sh -c 'printf "%s" "$1" | grep -q "would start xnix-test.service"' _ "$out"
check "dry-activate calls no systemctl" no_calls

echo "== switch to generation 1"
"$gen1/bin/switch-to-configuration" switch; rc=$?
check "switch succeeds" [ "$rc" = 0 ]
check "/etc/static is generation 1's etc" link_is /etc/static "$(readlink "$gen1/etc")"
check "/etc/motd links through /etc/static" link_is /etc/motd /etc/static/motd
check "/etc/motd has generation 1's text" content_is /etc/motd "generation 1"
check "the unmanaged motd was moved aside" content_is /etc/motd.xnix-orig "unmanaged motd"
check "/etc/dropped.conf is there" link_is /etc/dropped.conf /etc/static/dropped.conf
check "nested entries are linked" content_is /etc/xnix-test/nested/deep.conf "deep"
check "the copied file is a file" sh -c '[ -f /etc/xnix-test/copied.conf ] && [ ! -L /etc/xnix-test/copied.conf ]'
check "the copied file has mode 640" [ "$(stat -c %a /etc/xnix-test/copied.conf)" = 640 ]
check "the copied file has its text" content_is /etc/xnix-test/copied.conf "copied"
check "an unmanaged file beside managed ones is untouched" content_is /etc/xnix-test/keep.conf "keep me"
check "the unit is installed" link_is /etc/systemd/system/xnix-test.service /etc/static/systemd/system/xnix-test.service
check "switch reloads systemd and starts the wanted services, not the others" calls_are daemon-reload "start xnix-gone.service" "start xnix-test.service"
check "the unit file is the service's" grep -qx "ExecStart=.*unit-script-xnix-test-start" /etc/systemd/system/xnix-test.service
check "the unit is enabled" link_is /etc/systemd/system/multi-user.target.wants/xnix-test.service /etc/static/systemd/system/multi-user.target.wants/xnix-test.service
check "the group exists" sh -c 'getent group xnixtest >/dev/null'
check "the system user exists" sh -c 'getent passwd xnixsvc >/dev/null'
check "the normal user exists" sh -c 'getent passwd xnixuser >/dev/null'
check "the normal user is in its extra group" sh -c 'id -nG xnixuser | tr " " "\n" | grep -qx xnixtest'
check "the normal user's home was created" [ -d /home/xnixuser ]
check "activation scripts ran after their dependencies" content_is "$log" "$(printf 'third\nsecond\nfirst')"
check "the profile is generation 1" link_is "$state/profiles/system" system-1-link
check "generation 1 is the system" link_is "$state/profiles/system-1-link" "$gen1"
check "generation 1 is a GC root" link_is "$state/gcroots/profiles/system-1-link" "$gen1"
check "the current system is generation 1" link_is "$state/current-system" "$gen1"
check "the managed entries are recorded" grep -q ' dropped.conf$' "$state/activation/etc-managed"

echo "== switch to generation 1 again"
etc_before=$(cd /etc && find . -printf '%p %l %s %m\n' | sort | md5sum)
rm -f "$calls"
out=$("$gen1/bin/switch-to-configuration" switch 2>&1); rc=$?; echo "$out"
check "the second switch only reloads systemd (no unit changed)" calls_are daemon-reload
check "the second switch succeeds" [ "$rc" = 0 ]
check "the second switch changes nothing in /etc" [ "$(cd /etc && find . -printf '%p %l %s %m\n' | sort | md5sum)" = "$etc_before" ]
check "the second switch moves nothing aside" sh -c '! printf "%s" "$1" | grep -q "aside"' _ "$out"
check "the second switch creates no account" sh -c '! printf "%s" "$1" | grep -q "created"' _ "$out"
check "the second switch adds no generation" [ ! -e "$state/profiles/system-2-link" ]
if [ -n "$had_hostname" ]; then
    check "the machine's own /etc/hostname was moved aside" content_is /etc/hostname.xnix-orig "$had_hostname"
fi
check "only the replaced files were moved aside" [ "$(ls /etc | grep -c 'xnix-orig')" = "$(( ${had_hostname:+1} + 1 ))" ]

echo "== boot generation 2"
rm -f "$calls"
"$gen2/bin/switch-to-configuration" boot; rc=$?
check "boot calls no systemctl" no_calls
check "boot succeeds" [ "$rc" = 0 ]
check "boot makes generation 2 the profile" link_is "$state/profiles/system" system-2-link
check "boot activates nothing" link_is /etc/static "$(readlink "$gen1/etc")"
check "boot leaves the current system" link_is "$state/current-system" "$gen1"

echo "== dry-activate generation 2"
etc_before=$(cd /etc && find . -printf '%p %l %s %m\n' | sort | md5sum)
out=$("$gen2/bin/switch-to-configuration" dry-activate 2>&1); echo "$out"
check "dry-activate says it would remove the dropped entry" sh -c 'printf "%s" "$1" | grep -q "would remove /etc/dropped.conf"' _ "$out"
check "dry-activate says it would switch /etc/static" sh -c 'printf "%s" "$1" | grep -q "would link /etc/static to"' _ "$out"
check "dry-activate says it would stop the dropped service" sh -c 'printf "%s" "$1" | grep -q "would stop xnix-gone.service"' _ "$out"
check "dry-activate says it would restart the changed service" sh -c 'printf "%s" "$1" | grep -q "would restart xnix-test.service (its unit changed)"' _ "$out"
check "dry-activate of generation 2 calls no systemctl" no_calls
check "dry-activate of generation 2 changes nothing in /etc" [ "$(cd /etc && find . -printf '%p %l %s %m\n' | sort | md5sum)" = "$etc_before" ]

echo "== test generation 2 (after an edit of a managed copy)"
printf 'edited by hand\n' > /etc/xnix-test/copied.conf
rm -f "$calls"
"$gen2/bin/switch-to-configuration" test; rc=$?
check "test succeeds" [ "$rc" = 0 ]
check "test stops the dropped service first, then reloads and restarts the changed ones" calls_are "stop xnix-gone.service" daemon-reload "try-restart xnix-idle.service" "restart xnix-test.service"
check "the dropped unit is removed" sh -c '[ ! -e /etc/systemd/system/xnix-gone.service ] && [ ! -L /etc/systemd/system/multi-user.target.wants/xnix-gone.service ]' 
check "/etc/static is generation 2's etc" link_is /etc/static "$(readlink "$gen2/etc")"
check "/etc/motd has generation 2's text" content_is /etc/motd "generation 2"
check "the dropped entry is removed" sh -c '[ ! -e /etc/dropped.conf ] && [ ! -L /etc/dropped.conf ]'
check "the hand-edited copy was moved aside, not lost" content_is /etc/xnix-test/copied.conf.xnix-orig "edited by hand"
check "the copy is the configuration's again" content_is /etc/xnix-test/copied.conf "copied"
check "the unmanaged file is still untouched" content_is /etc/xnix-test/keep.conf "keep me"
check "the unmanaged motd is still kept" content_is /etc/motd.xnix-orig "unmanaged motd"
check "test does not change the profile" link_is "$state/profiles/system" system-2-link
check "the current system is generation 2" link_is "$state/current-system" "$gen2"
check "the dropped entry is no longer recorded" sh -c '! grep -q " dropped.conf$" "$1"' _ "$state/activation/etc-managed"

echo "$failures failed"
[ "$failures" = 0 ]
STEPS

rc=0
chroot "$new" /bin/sh /tmp/steps.sh "$gen1" "$gen2" || rc=$?
umount -R -l "$new" && rmdir "$new"
exit $rc
