# For running the collection under real Nix (NIXBUILD=1 run.sh), which has no
# `xnixElaboratePlatform` builtin: the same answers from xnix's platform library
# through `$XNIX_BIN platform show ARG --json` (needs
# --option allow-unsafe-native-code-during-evaluation true).
args:
builtins.exec [
  "/bin/sh"
  "-c"
  ''printf 'builtins.fromJSON %s' "'''$("$XNIX_BIN" platform show "$1" --json)'''"''
  "shim"
  (if builtins.isString args then args else builtins.toJSON args)
]
