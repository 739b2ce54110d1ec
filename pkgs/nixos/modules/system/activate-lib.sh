# The functions of a system's `activate` script (see activation.nix). POSIX
# sh, for the target's own /bin/sh and tools (coreutils, getent, useradd,
# groupadd, usermod, systemctl). Set by the script before these run:
# systemConfig, stateDir, etcTree, unitList, dry, failed.

say() { printf '%s\n' "$*"; }
warn() { printf 'xnix activation: %s\n' "$*" >&2; }

# `would MESSAGE || CHANGE`: a dry activation prints what it would do and
# skips the change; a real one makes it.
would() {
    if [ -n "$dry" ]; then say "would $*"; return 0; fi
    return 1
}

# LINK -> TARGET, replacing LINK in one rename.
replace_link() { # TARGET LINK
    tmp="$2.xnix-new.$$"
    rm -f "$tmp"
    ln -s "$1" "$tmp" || return 1
    if mv -T "$tmp" "$2" 2>/dev/null; then return 0; fi
    # An mv without -T would move into a directory LINK points to.
    if [ -d "$2" ] && [ ! -L "$2" ]; then rm -f "$tmp"; warn "cannot replace the directory $2 by a link"; return 1; fi
    rm -f "$2" && mv "$tmp" "$2"
}

# Moves PATH (a file or directory xnix does not manage) out of the way,
# to PATH.xnix-orig (or .xnix-orig.N when that is taken): never deleted.
move_aside() { # PATH
    to="$1.xnix-orig"
    i=1
    while [ -e "$to" ] || [ -L "$to" ]; do to="$1.xnix-orig.$i"; i=$((i + 1)); done
    would "move $1 (not managed by this system) aside to $to" && return 0
    mv "$1" "$to" && say "moved $1 (not managed by this system) aside to $to"
}

# ---- /etc ---------------------------------------------------------------

# Whether TARGET is in the manifest FILE; its mode is then in $found_mode.
manifest_has() { # TARGET FILE
    [ -f "$2" ] || return 1
    while read -r mh_mode _mh_user _mh_group mh_target; do
        if [ "$mh_target" = "$1" ]; then found_mode=$mh_mode; return 0; fi
    done < "$2"
    return 1
}

# Whether /etc/TARGET is still what the previous generation put there as MODE.
etc_is_ours() { # TARGET MODE
    ours_path="/etc/$1"
    case "$2" in
        symlink) [ -L "$ours_path" ] && [ "$(readlink "$ours_path")" = "/etc/static/$1" ] ;;
        direct-symlink) [ -L "$ours_path" ] && [ -n "$previousEtc" ] && [ "$(readlink "$ours_path")" = "$(readlink "$previousEtc/$1")" ] ;;
        *) [ -f "$ours_path" ] && [ ! -L "$ours_path" ] && [ -n "$previousEtc" ] && cmp -s "$ours_path" "$previousEtc/$1" ;;
    esac
}

etc_copy() { # MODE USER GROUP TARGET
    dest="/etc/$4"
    tmp="$dest.xnix-new.$$"
    cp "$etcTree/etc/$4" "$tmp" &&
        chmod "$1" "$tmp" &&
        chown "${2#+}:${3#+}" "$tmp" &&
        mv -f "$tmp" "$dest" || { rm -f "$tmp"; return 1; }
}

etc_install() { # MODE USER GROUP TARGET
    mode=$1 user=$2 group=$3 t=$4
    dest="/etc/$t"
    case "$mode" in
        symlink) want="/etc/static/$t" ;;
        direct-symlink) want=$(readlink "$etcTree/etc/$t") ;;
        *) want= ;;
    esac
    if [ -n "$want" ]; then
        if [ -L "$dest" ] && [ "$(readlink "$dest")" = "$want" ]; then return 0; fi
    elif [ -f "$dest" ] && [ ! -L "$dest" ] && manifest_has "$t" "$managedBefore" && [ "$found_mode" = "$mode" ] \
        && cmp -s "$dest" "$etcTree/etc/$t"; then
        [ -n "$dry" ] || { chmod "$mode" "$dest" && chown "${user#+}:${group#+}" "$dest"; }
        return
    fi
    if [ -e "$dest" ] || [ -L "$dest" ]; then
        if manifest_has "$t" "$managedBefore" && etc_is_ours "$t" "$found_mode"; then
            : # the previous generation's: replaced below
        else
            move_aside "$dest" || return 1
        fi
    fi
    parent=$(dirname "$dest")
    if [ ! -d "$parent" ]; then
        would "create the directory $parent" || mkdir -p "$parent" || return 1
    fi
    if [ -n "$want" ]; then
        would "link $dest to $want" || replace_link "$want" "$dest"
    else
        would "copy $dest (mode $mode, owner $user:$group)" || etc_copy "$mode" "$user" "$group" "$t"
    fi
}

# An entry the new generation dropped: removed when it is still as the
# previous generation left it, else left alone (and no longer managed).
etc_drop() { # MODE TARGET
    dest="/etc/$2"
    [ -e "$dest" ] || [ -L "$dest" ] || return 0
    if etc_is_ours "$2" "$1"; then
        would "remove $dest (dropped from the configuration)" || { rm -f "$dest" && say "removed $dest (dropped from the configuration)"; }
    else
        say "leaving $dest: it changed since this system put it there, and is no longer managed"
    fi
}

etc_activate() {
    status=0
    if [ -L /etc/static ]; then
        [ "$(readlink /etc/static)" = "$etcTree/etc" ] ||
            would "link /etc/static to $etcTree/etc" || replace_link "$etcTree/etc" /etc/static || status=1
    else
        if [ -e /etc/static ]; then move_aside /etc/static || status=1; fi
        would "link /etc/static to $etcTree/etc" || replace_link "$etcTree/etc" /etc/static || status=1
    fi
    while read -r mode user group target; do
        etc_install "$mode" "$user" "$group" "$target" || { warn "could not put /etc/$target in place"; status=1; }
    done < "$etcTree/manifest"
    if [ -f "$managedBefore" ]; then
        while read -r mode _user _group target; do
            manifest_has "$target" "$etcTree/manifest" || etc_drop "$mode" "$target" || status=1
        done < "$managedBefore"
    fi
    if [ -z "$dry" ]; then
        cp "$etcTree/manifest" "$stateDir/activation/etc-managed.new" &&
            mv -f "$stateDir/activation/etc-managed.new" "$stateDir/activation/etc-managed" || status=1
    fi
    return $status
}

# ---- users and groups -------------------------------------------------------

ensure_group() { # NAME GID
    getent group "$1" >/dev/null 2>&1 && return 0
    would "create the group $1" && return 0
    command -v groupadd >/dev/null 2>&1 || { warn "cannot create the group $1: this machine has no groupadd (on Debian: apt-get install passwd)"; return 1; }
    if [ -n "$2" ]; then groupadd -g "$2" "$1"; else groupadd "$1"; fi && say "created the group $1"
}

ensure_user() { # NAME UID GROUP HOME CREATEHOME SHELL DESCRIPTION SYSTEM
    getent passwd "$1" >/dev/null 2>&1 && return 0
    would "create the user $1" && return 0
    command -v useradd >/dev/null 2>&1 || { warn "cannot create the user $1: this machine has no useradd (on Debian: apt-get install passwd)"; return 1; }
    name=$1 uid=$2 group=$3 home=$4 create=$5 shell=$6 desc=$7 system=$8
    set --
    [ -z "$uid" ] || set -- "$@" -u "$uid"
    [ -z "$group" ] || set -- "$@" -g "$group"
    set -- "$@" -d "$home"
    if [ -n "$create" ]; then set -- "$@" -m; else set -- "$@" -M; fi
    [ -z "$shell" ] || set -- "$@" -s "$shell"
    [ -z "$desc" ] || set -- "$@" -c "$desc"
    [ -z "$system" ] || set -- "$@" -r
    useradd "$@" "$name" && say "created the user $name"
}

ensure_member() { # USER GROUP
    if ! getent passwd "$1" >/dev/null 2>&1 || ! getent group "$2" >/dev/null 2>&1; then
        [ -n "$dry" ] && return 0
        warn "cannot add $1 to the group $2: no such user or group"
        return 1
    fi
    id -nG "$1" | tr ' ' '\n' | grep -qx -- "$2" && return 0
    would "add the user $1 to the group $2" && return 0
    usermod -a -G "$2" "$1" && say "added the user $1 to the group $2"
}

# ---- systemd units ------------------------------------------------------------

units_running() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

# Whether UNIT is in the list FILE; its flags are then in $unit_wanted, $unit_restart.
unit_listed() { # UNIT FILE
    [ -f "$2" ] || return 1
    while read -r ul_name ul_wanted ul_restart; do
        if [ "$ul_name" = "$1" ]; then unit_wanted=$ul_wanted; unit_restart=$ul_restart; return 0; fi
    done < "$2"
    return 1
}

# Before /etc changes: stop the services the new generation dropped.
units_stop_dropped() {
    [ -f "$unitsBefore" ] || return 0
    units_running || return 0
    while read -r name _w _r; do
        unit_listed "$name" "$unitList" && continue
        would "stop $name (dropped from the configuration)" || systemctl stop "$name" || failed=1
    done < "$unitsBefore"
}

# After /etc changed: reload systemd, start new wanted services, restart changed ones.
units_apply() {
    if units_running; then
        would "reload systemd" || systemctl daemon-reload || failed=1
        while read -r name wanted restart; do
            if unit_listed "$name" "$unitsBefore"; then
                if [ -n "$previousEtc" ] && cmp -s "$previousEtc/systemd/system/$name" "$etcTree/etc/systemd/system/$name"; then
                    continue
                fi
                [ "$restart" = 1 ] || continue
                if [ "$wanted" = 1 ]; then
                    would "restart $name (its unit changed)" || systemctl restart "$name" || failed=1
                else
                    would "restart $name if it runs (its unit changed)" || systemctl try-restart "$name" || failed=1
                fi
            elif [ "$wanted" = 1 ]; then
                would "start $name" || systemctl start "$name" || failed=1
            fi
        done < "$unitList"
    elif [ -s "$unitList" ]; then
        say "systemd does not run on this machine: units are installed in /etc/systemd/system, none was started"
    fi
    if [ -z "$dry" ]; then
        cp "$unitList" "$stateDir/activation/units.new" && mv -f "$stateDir/activation/units.new" "$stateDir/activation/units" || failed=1
    fi
}

# ---- the whole activation --------------------------------------------------------

activation_begin() {
    if [ -z "$dry" ]; then
        if [ "$(id -u)" != 0 ]; then warn "activation changes /etc and accounts: run it as root (or use dry-activate)"; exit 1; fi
        mkdir -p "$stateDir/activation" || exit 1
        lock="$stateDir/activation/lock"
        if ! mkdir "$lock" 2>/dev/null; then
            holder=$(cat "$lock/pid" 2>/dev/null || true)
            if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
                warn "another activation (process $holder) is running; try again when it has finished"; exit 1
            fi
            rm -rf "$lock" && mkdir "$lock" || exit 1
        fi
        echo $$ > "$lock/pid"
        trap 'rm -rf "$lock"' EXIT
        trap 'exit 130' INT TERM
    fi
    previousEtc=$(readlink /etc/static 2>/dev/null || true)
    managedBefore="$stateDir/activation/etc-managed"
    unitsBefore="$stateDir/activation/units"
}

activation_end() {
    would "record $systemConfig as the current system" || replace_link "$systemConfig" "$stateDir/current-system" || failed=1
    if [ "$failed" != 0 ]; then warn "activation finished with errors (see above)"; exit 1; fi
}
