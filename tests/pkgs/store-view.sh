# Sourced by the package tests: how they see a store that lives under a
# physical root. Expects $storeRoot (empty: the store is at its logical place)
# and $storeDir (the logical store directory).

# The physical place of a store path.
phys() { printf '%s%s' "$storeRoot" "$1"; }

# Runs a command with the store at its logical place, where the run paths of
# the programs in it point: the host's top-level directories, but the one
# holding the store (/xnix), in a mount namespace made by bubblewrap.
inStore() {
    if [ -z "$storeRoot" ]; then "$@"; return; fi
    local top binds=() d
    top="/$(cut -d/ -f2 <<<"$storeDir")"
    for d in /*; do
        [ "$d" = "$top" ] && continue
        if [ -L "$d" ]; then binds+=(--symlink "$(readlink "$d")" "$d"); else binds+=(--dev-bind "$d" "$d"); fi
    done
    bwrap "${binds[@]}" --bind "$storeRoot$storeDir" "$storeDir" -- "$@"
}
