# Fetches a file by its hash, as Nix's built-in fetcher does: a fixed-output
# derivation with `builder = "builtin:fetchurl"`. `mirror://debian/...` URLs
# are resolved by the fetcher from the build machine's APT sources.
{ lib }:
{ url, hash, name ? baseNameOf url, executable ? false }:
if !(lib.hasPrefix "sha256-" hash || lib.hasPrefix "sha512-" hash) then
  throw "fetchurl ${url}: `hash` must be an SRI hash such as \"sha256-...\", got \"${hash}\""
else
  derivation {
    inherit name url executable;
    builder = "builtin:fetchurl";
    system = "builtin";
    outputHash = hash;
    outputHashMode = if executable then "recursive" else "flat";
    preferLocalBuild = true;
    unpack = false;
    impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" ];
  }
