# Builds a compiler wrapper: scripts that add the flags the dependency setup
# collected (NIX_CFLAGS_COMPILE_<salt>, NIX_CFLAGS_LINK_<salt>) and the
# wrapper's own (baseFlags always, linkFlags when linking) and run the
# build machine's compiler; symlinks for the binary utilities.
set -eu
export PATH=/usr/bin:/bin
mkdir -p "$out/bin" "$out/nix-support"

writeCompiler() {
    local name=$1 real=$2
    cat > "$out/bin/$name" <<SCRIPT
#!/bin/bash
# Compiler wrapper for $targetConfig over $real.
linking=1
for a in "\$@"; do
    case "\$a" in -c|-S|-E|-M|-MM) linking=0 ;; esac
done
pre=($baseFlags \${NIX_CFLAGS_COMPILE_$suffixSalt-})
post=()
if [ \$linking = 1 ]; then pre+=($linkFlags); post=(\${NIX_CFLAGS_LINK_$suffixSalt-}); fi
exec $real "\${pre[@]}" "\$@" "\${post[@]}"
SCRIPT
    chmod +x "$out/bin/$name"
}

writeCompiler "${targetPrefix}cc" "$realCc"
ln -s "${targetPrefix}cc" "$out/bin/${targetPrefix}gcc"
cat > "$out/bin/${targetPrefix}cpp" <<SCRIPT
#!/bin/bash
exec $realCc -E $cppFlags \${NIX_CFLAGS_COMPILE_$suffixSalt-} "\$@"
SCRIPT
chmod +x "$out/bin/${targetPrefix}cpp"
if [ -n "$realCxx" ]; then
    writeCompiler "${targetPrefix}c++" "$realCxx"
    ln -s "${targetPrefix}c++" "$out/bin/${targetPrefix}g++"
fi
for tool in $binutils; do
    if [ -x "$binPrefix$tool" ]; then
        ln -s "$binPrefix$tool" "$out/bin/${targetPrefix}$tool"
    fi
done

# The setup hook: which variables this compiler sets depends on the role it
# has in the depending build (compiler for its host, or for its build machine).
cat > "$out/nix-support/setup-hook" <<HOOK
xnixCcWrapperHook() {
    local p="$out/bin/$targetPrefix"
    if [ "\${hostConfig-}" = "$targetConfig" ]; then
        export CC="\${p}cc" CXX="\${p}c++" CPP="\${p}cpp" AR="\${p}ar" AS="\${p}as" LD="\${p}ld" NM="\${p}nm" \
            OBJCOPY="\${p}objcopy" OBJDUMP="\${p}objdump" RANLIB="\${p}ranlib" READELF="\${p}readelf" \
            SIZE="\${p}size" STRINGS="\${p}strings" STRIP="\${p}strip"
        [ -z "$windows" ] || export WINDRES="\${p}windres" DLLTOOL="\${p}dlltool" RC="\${p}windres"
    fi
    if [ "\${buildConfig-}" = "$targetConfig" ]; then
        export CC_FOR_BUILD="\${p}cc" CXX_FOR_BUILD="\${p}c++" AR_FOR_BUILD="\${p}ar" \
            LD_FOR_BUILD="\${p}ld" RANLIB_FOR_BUILD="\${p}ranlib" STRIP_FOR_BUILD="\${p}strip" \
            BUILD_CC="\${p}cc"
    fi
}
xnixCcWrapperHook
HOOK
echo "$targetConfig" > "$out/nix-support/target-config"
