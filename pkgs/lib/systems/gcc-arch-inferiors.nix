# gcc.arch values each architecture subsumes directly (code built for them
# runs on it); canExecute follows them transitively. Same facts as the
# platform library's `inferiors`.
{
  "x86-64-v2" = [ "x86-64" ];
  "x86-64-v3" = [ "x86-64-v2" ];
  "x86-64-v4" = [ "x86-64-v3" ];
  "nehalem" = [ "x86-64-v2" ];
  "westmere" = [ "nehalem" ];
  "sandybridge" = [ "westmere" ];
  "ivybridge" = [ "sandybridge" ];
  "haswell" = [ "ivybridge" "x86-64-v3" ];
  "broadwell" = [ "haswell" ];
  "skylake" = [ "broadwell" ];
  "skylake-avx512" = [ "skylake" "x86-64-v4" ];
  "cannonlake" = [ "skylake-avx512" ];
  "icelake-client" = [ "cannonlake" ];
  "icelake-server" = [ "icelake-client" ];
  "cascadelake" = [ "cannonlake" ];
  "cooperlake" = [ "cascadelake" ];
  "tigerlake" = [ "icelake-server" ];
  "sapphirerapids" = [ "tigerlake" ];
  "emeraldrapids" = [ "sapphirerapids" ];
  "znver1" = [ "skylake" ];
  "znver2" = [ "znver1" ];
  "znver3" = [ "znver2" ];
  "znver4" = [ "znver3" "x86-64-v4" ];
  "znver5" = [ "znver4" ];
  "la64v1.0" = [ "loongarch64" ];
  "la64v1.1" = [ "la64v1.0" ];
  "la464" = [ "la64v1.0" ];
  "la664" = [ "la464" "la64v1.1" ];
}
