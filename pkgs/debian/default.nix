# The collection's Debian packages, from the lock (`<suite>-<arch>.json`
# beside this file, written by `xnix debian lock` from roots.json).
#
# - `debs.<arch>.<package>`: the locked `.deb` as a fixed-output path,
#   fetched through mirror://debian/pool/... (the archive of the build
#   machine's APT sources) and checked against the locked SHA-256;
# - `groups.<arch>.<group>`: a root group's closure unpacked into one
#   merged-/usr tree by xnix's builtin `builtin:unpack-debs`;
# - `unpackDebs { name, debs, keepFirst ? [ ] }`: the same for any list of `.deb` paths.
#
# A toolchain's identity is therefore the hashes of its locked `.deb`s: two
# machines with the same lock compute the same store paths.
{ suite ? "bookworm"
, lockDir ? ./.
}:
let
  # Every architecture roots.json configures has a lock beside it.
  arches = builtins.attrNames (builtins.fromJSON (builtins.readFile (lockDir + "/roots.json"))).architectures;
  readLock = arch: builtins.fromJSON (builtins.readFile (lockDir + "/${suite}-${arch}.json"));
  locks = builtins.listToAttrs (map (arch: { name = arch; value = readLock arch; }) arches);

  # Store path names allow [A-Za-z0-9+-._?=]; Debian versions may carry
  # `~` and `:` (pool file names spell the epoch's colon `%3a`).
  storeName = builtins.replaceStrings [ "~" ":" "%3a" "%3A" ] [ "-" "-" "-" "-" ];

  fetchDeb = e: derivation {
    name = storeName "${e.package}_${e.version}_${e.architecture}.deb";
    builder = "builtin:fetchurl";
    system = "builtin";
    url = "mirror://debian/${e.filename}";
    outputHash = e.sha256;
    outputHashAlgo = "sha256";
    outputHashMode = "flat";
    executable = false;
    unpack = false;
    preferLocalBuild = true;
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  };

  # `keepFirst`: paths in the tree the first package that ships them keeps
  # (a later package's copy is not unpacked); see builtin:unpack-debs.
  unpackDebs = { name, debs, keepFirst ? [ ] }: derivation ({
    inherit name debs;
    builder = "builtin:unpack-debs";
    system = "builtin";
    preferLocalBuild = true;
  } // (if keepFirst == [ ] then { } else { inherit keepFirst; }));

  debsOf = lock: builtins.listToAttrs (map (e: { name = e.package; value = fetchDeb e; }) lock.packages);
  debs = builtins.mapAttrs (_: debsOf) locks;

  groupsOf = arch: lock: builtins.mapAttrs
    (group: names: unpackDebs {
      name = "debian-${suite}-${arch}-${group}";
      debs = map (n: debs.${arch}.${n}) names;
    })
    lock.closures;
in
{
  inherit locks debs unpackDebs fetchDeb;
  groups = builtins.mapAttrs groupsOf locks;
}
