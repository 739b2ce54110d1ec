# The build machine's paths a builder using host tools reads: the sandbox
# bind-mounts them read-only (attribute `__impureHostDeps`). Debian's
# alternatives symlinks (/usr/bin/awk -> /etc/alternatives/awk) do not resolve
# there: alternatives.nix provides the ones builds use.
[ "/usr" "/bin" "/lib" "/lib64" ]
