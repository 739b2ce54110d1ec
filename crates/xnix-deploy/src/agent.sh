# The deployment agent: run on the target machine by `xnix rebuild` and
# `xnix deploy` as `sh agent.sh STATE_DIR COMMAND ARGS...` (POSIX sh only: the
# target may have nothing else). STATE_DIR is the target's state directory
# (/xnix/var/xnix); generations are its profiles/system-N-link, and
# profiles/system points at one of them. Each activation gets a directory
# deploy/ID holding its log, its exit status and the confirmation decision.
#
#   list                        N TARGET [current], one generation a line
#   start ID ACTION SYSTEM TIMEOUT SETGEN
#                               start `run` detached (its own session, no
#                               terminal, nothing read from the connection),
#                               so a dropped connection does not stop it
#   run ID ACTION SYSTEM TIMEOUT SETGEN
#                               point the profile at generation SETGEN ("-":
#                               leave it to switch-to-configuration), run
#                               SYSTEM's switch-to-configuration ACTION, write
#                               the status; with TIMEOUT > 0 wait that many
#                               seconds for `decide ID yes` and otherwise go
#                               back to the generation that was current before
#   wait ID                     wait for the status of ID, print the log, exit with it
#   activate ID ACTION SYSTEM TIMEOUT SETGEN
#                               start, then wait, in one connection; the log,
#                               then a last line "xnix-activation-status N"
#   decide ID yes|no [ACTION]   confirm (keep) or refuse (roll back now); prints
#                               "confirmed", "rolled-back" or, when there was no
#                               generation before it, "no-previous" (the new one
#                               stays); whoever decided first wins
#   outcome ID                  wait until ID is decided (by `decide` or by the
#                               timeout) and print what `decide` prints
#   previous                    the generation before the current one: N TARGET
#   unchanged ACTION SYSTEM     "unchanged" when ACTION on SYSTEM would change
#                               nothing: SYSTEM is the profile's (switch, boot)
#                               and the active system (switch, test), activated
#                               by this agent with success and kept; otherwise
#                               "changed"
#
# deploy/active names the system the last kept activation made active; it is
# removed when an activation starts and when one is undone.
set -u
state=$1; cmd=$2; shift 2
profiles=$state/profiles
runs=$state/deploy
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

generations() {
    for link in "$profiles"/system-*-link; do
        [ -L "$link" ] || continue
        i=${link##*/system-}; i=${i%-link}
        case "$i" in *[!0-9]*|"") continue ;; esac
        echo "$i $(readlink "$link")"
    done | sort -n
}

current_gen() {
    l=$(readlink "$profiles/system" 2>/dev/null) || return 0
    i=${l#system-}; echo "${i%-link}"
}

# Point the profile at system-N-link: a new link renamed over the old one.
set_profile() {
    [ -L "$profiles/system-$1-link" ] || { echo "error: there is no generation $1" >&2; return 1; }
    tmp="$profiles/system.xnix-new.$$"
    rm -f "$tmp"
    ln -s "system-$1-link" "$tmp" && mv -T "$tmp" "$profiles/system"
}

# Record SYSTEM $2 as active after ACTION $1 succeeded and was kept.
mark_active() {
    case "$1" in
        switch|test) echo "$2" > "$runs/active.tmp" && mv "$runs/active.tmp" "$runs/active" ;;
    esac
}

# Refuse activation $1 (roll back now) unless decided already; the final word.
refuse() {
    rm -f "$runs/active"
    if [ -z "$2" ]; then
        echo "there is no generation before this one to return to: it stays"
        echo no-previous > "$runs/$1/final"
    else
        go_back "$2" "$3"
        echo rolled-back > "$runs/$1/final"
    fi
}

# Go back to generation $1 after ACTION $2 (nothing to go back to: say so).
go_back() {
    if [ -z "$1" ]; then
        echo "no earlier generation to return to"
        return 1
    fi
    case "$2" in
        switch|boot)
            set_profile "$1" || return 1
            echo "the system profile is back at generation $1"
            [ "$2" = boot ] && return 0
            "$profiles/system/bin/switch-to-configuration" switch ;;
        test)
            "$profiles/system/bin/switch-to-configuration" test ;;
        *) return 0 ;;
    esac
}

case "$cmd" in
list)
    cur=$(current_gen)
    generations | while read -r n p; do
        if [ "$n" = "$cur" ]; then echo "$n $p current"; else echo "$n $p"; fi
    done
    ;;
previous)
    cur=$(current_gen)
    generations | while read -r n p; do
        [ -n "$cur" ] && [ "$n" -lt "$cur" ] && echo "$n $p"
    done | tail -n 1
    ;;
start)
    id=$1; system=$3
    dir=$runs/$id
    mkdir -p "$dir" || exit 1
    [ -x "$system/bin/switch-to-configuration" ] || {
        echo "error: '$system' is not a system configuration (it has no bin/switch-to-configuration)" >&2
        exit 1
    }
    current_gen > "$dir/previous"
    echo "$system" > "$dir/system"
    setsid sh "$0" "$state" run "$@" </dev/null >"$dir/log" 2>&1 &
    echo "started $id"
    ;;
run)
    id=$1; action=$2; system=$3; timeout=$4; setgen=$5
    dir=$runs/$id
    prev=$(cat "$dir/previous" 2>/dev/null)
    case "$action" in switch|test) rm -f "$runs/active" ;; esac
    if [ "$setgen" != - ]; then
        set_profile "$setgen" && echo "the system profile is now generation $setgen"
    fi
    "$system/bin/switch-to-configuration" "$action"
    rc=$?
    echo "$rc" > "$dir/status.tmp" && mv "$dir/status.tmp" "$dir/status"
    if [ "$timeout" -gt 0 ]; then
        i=0
        while [ ! -e "$dir/decided" ] && [ "$i" -lt $((timeout * 10)) ]; do
            sleep 0.1; i=$((i + 1))
        done
        if mkdir "$dir/decided" 2>/dev/null; then
            echo "no confirmation within $timeout s"
            refuse "$id" "$prev" "$action"
        fi
    elif [ "$rc" = 0 ]; then
        mark_active "$action" "$system"
    fi
    ;;
activate)
    sh "$0" "$state" start "$@" >/dev/null || exit 1
    sh "$0" "$state" wait "$1"
    rc=$?
    printf '\nxnix-activation-status %s\n' "$rc"
    ;;
wait)
    dir=$runs/$1
    [ -d "$dir" ] || { echo "error: no activation $1 on this machine" >&2; exit 1; }
    while [ ! -e "$dir/status" ]; do sleep 0.1; done
    cat "$dir/log"
    exit "$(cat "$dir/status")"
    ;;
decide)
    dir=$runs/$1
    [ -d "$dir" ] || { echo "error: no activation $1 on this machine" >&2; exit 1; }
    if mkdir "$dir/decided" 2>/dev/null; then
        if [ "$2" = yes ]; then
            [ "$(cat "$dir/status" 2>/dev/null)" = 0 ] &&
                mark_active "${3:-switch}" "$(cat "$dir/system" 2>/dev/null)"
            echo confirmed > "$dir/final"
        else
            refuse "$1" "$(cat "$dir/previous" 2>/dev/null)" "${3:-switch}" >&2
        fi
    fi
    while [ ! -e "$dir/final" ]; do sleep 0.1; done
    cat "$dir/final"
    ;;
outcome)
    dir=$runs/$1
    [ -d "$dir" ] || { echo "error: no activation $1 on this machine" >&2; exit 1; }
    while [ ! -e "$dir/final" ]; do sleep 0.1; done
    cat "$dir/final"
    ;;
unchanged)
    action=$1; system=$2
    same=yes
    case "$action" in
        switch|boot) [ "$(readlink -f "$profiles/system" 2>/dev/null)" = "$system" ] || same=no ;;
    esac
    case "$action" in
        switch|test)
            [ "$(cat "$runs/active" 2>/dev/null)" = "$system" ] &&
                [ "$(readlink -f "$state/current-system" 2>/dev/null)" = "$system" ] || same=no ;;
        boot) ;;
        *) same=no ;;
    esac
    if [ "$same" = yes ]; then echo unchanged; else echo changed; fi
    ;;
*)
    echo "usage: agent.sh STATE_DIR list|previous|start|run|wait|activate|decide|outcome|unchanged ..." >&2
    exit 2
    ;;
esac
