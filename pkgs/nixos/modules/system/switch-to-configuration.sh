#!/bin/sh
# switch-to-configuration ACTION: make @systemConfig@ this machine's system.
#   switch        make it the default (the system profile) and activate it now
#   boot          make it the default only; this machine boots its own way, so
#                 nothing is activated until a later `switch` or `test`
#   test          activate it now, without making it the default
#   dry-activate  print what activating it would change; change nothing
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
systemConfig=@systemConfig@
stateDir=@stateDir@
profiles="$stateDir/profiles"

usage() {
    echo "usage: $0 switch | boot | test | dry-activate" >&2
    exit 1
}

# The profile `system` -> system-N-link -> this system, N one more than the
# newest generation (nothing changes when the profile already is this system).
# Each generation link is also a garbage-collector root.
set_profile() {
    if [ "$(readlink -f "$profiles/system" 2>/dev/null)" = "$systemConfig" ]; then return 0; fi
    mkdir -p "$profiles" "$stateDir/gcroots/profiles" || exit 1
    n=0
    for link in "$profiles"/system-*-link; do
        [ -L "$link" ] || continue
        i=${link##*/system-}
        i=${i%-link}
        case "$i" in *[!0-9]*|"") continue ;; esac
        [ "$i" -gt "$n" ] && n=$i
    done
    n=$((n + 1))
    ln -s "$systemConfig" "$profiles/system-$n-link" || exit 1
    ln -sfn "$systemConfig" "$stateDir/gcroots/profiles/system-$n-link" || exit 1
    tmp="$profiles/system.xnix-new.$$"
    ln -s "system-$n-link" "$tmp" && mv -T "$tmp" "$profiles/system" 2>/dev/null ||
        { rm -f "$profiles/system" && mv "$tmp" "$profiles/system"; } || exit 1
    echo "the system profile is now generation $n ($systemConfig)"
}

[ $# = 1 ] || usage
case "$1" in
    switch)
        [ "$(id -u)" = 0 ] || { echo "switch-to-configuration: run it as root" >&2; exit 1; }
        set_profile
        XNIX_ACTION=switch exec "$systemConfig/activate"
        ;;
    boot)
        [ "$(id -u)" = 0 ] || { echo "switch-to-configuration: run it as root" >&2; exit 1; }
        set_profile
        echo "not activated now: run 'switch-to-configuration test' (or switch) to activate it"
        ;;
    test)
        XNIX_ACTION=test exec "$systemConfig/activate"
        ;;
    dry-activate)
        exec "$systemConfig/activate" --dry
        ;;
    *) usage ;;
esac
