# Files in /etc: `environment.etc.<name>` gives each one's text or source.
# The tree is built into the store (`system.build.etc`); activation links
# /etc/static to it and each managed /etc entry through /etc/static (or
# copies it, for a `mode` other than "symlink").
{ config, options, lib, pkgs, ... }:
with lib;
let
  entryModule = { name, config, options, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; description = "Whether the file is in /etc."; };
      target = mkOption { type = types.str; default = name; description = "The path below /etc."; };
      text = mkOption { type = types.nullOr types.lines; default = null; description = "The file's text."; };
      source = mkOption { type = types.path; description = "The file (or directory) to put there."; };
      mode = mkOption {
        type = types.strMatching "symlink|direct-symlink|[0-7]{3,4}";
        default = "symlink";
        example = "0600";
        description = "`symlink`: a link into the store; an octal mode: a copy with that mode, owned by `user`/`group`.";
      };
      user = mkOption { type = types.str; default = "+0"; description = "Owner of a copied file (a name, or `+UID`)."; };
      group = mkOption { type = types.str; default = "+0"; description = "Group of a copied file (a name, or `+GID`)."; };
      uid = mkOption { type = types.int; default = 0; description = "Owner id of a copied file, when `user` is `+0`."; };
      gid = mkOption { type = types.int; default = 0; description = "Group id of a copied file, when `group` is `+0`."; };
    };
    config.source = mkIf (config.text != null) (mkDerivedSource name config.text);
  };
  # A store name from an /etc path: its last component, characters a store
  # path name cannot hold replaced.
  mkDerivedSource = name: text:
    let
      bad = [ " " "/" "~" "#" "@" "!" "%" "&" "(" ")" "," ":" ";" "<" ">" "[" "]" "^" "`" "{" "|" "}" "'" "\"" "*" "$" "\\" ];
      base = lib.replaceStrings bad (map (_: "-") bad) (baseNameOf name);
    in
    pkgs.writeText "etc-${base}" text;

  entries = filter (e: e.enable) (attrValues config.environment.etc);
  owner = e: if e.user == "+0" then "+${toString e.uid}" else e.user;
  ownerGroup = e: if e.group == "+0" then "+${toString e.gid}" else e.group;
  badTarget = t: t == "" || hasPrefix "/" t || t == "static" || hasPrefix "static/" t
    || elem ".." (splitString "/" t) || elem "." (splitString "/" t) || hasInfix "\n" t || hasInfix "//" t || hasSuffix "/" t;
  byTarget = zipAttrsWith (n: vs: vs) (map (e: { ${e.target} = e; }) entries);

  etcTree = pkgs.runCommand "etc" { } ''
    mkdir -p "$out/etc"
    : > "$out/manifest"
    entry() { # MODE USER GROUP TARGET SOURCE
      mkdir -p "$(dirname "$out/etc/$4")"
      ln -s "$5" "$out/etc/$4"
      printf '%s %s %s %s\n' "$1" "$2" "$3" "$4" >> "$out/manifest"
    }
    ${concatMapStringsSep "\n" (e: "entry ${escapeShellArgs [ e.mode (owner e) (ownerGroup e) e.target "${e.source}" ]}") entries}
  '';
in
{
  options = {
    environment.etc = mkOption {
      type = types.attrsOf (types.submodule entryModule);
      default = { };
      example = literalExpression ''{ "motd".text = "Welcome\n"; "ssh/sshd_config" = { source = ./sshd_config; mode = "0600"; }; }'';
      description = "Files in /etc, each given by `text` or `source`, at `target` (default: its name).";
    };
  };
  config = {
    system.build.etc = etcTree;
    assertions = map
      (e: {
        assertion = !(badTarget e.target) && !(hasInfix " " (owner e)) && !(hasInfix " " (ownerGroup e));
        message = "environment.etc.\"${e.target}\": the target must be a relative path below /etc without `.`, `..`, empty components or line breaks (and not /etc/static, where activation links the tree)";
      })
      entries
    ++ mapAttrsToList
      (t: es: {
        assertion = length es == 1;
        message = "environment.etc: ${toString (length es)} entries have the target \"${t}\"; give each a different `target`.";
      })
      byTarget;
  };
}
