# Users and groups the system needs. Activation creates those missing on the
# machine (with its own useradd/groupadd, so /etc/passwd, /etc/shadow and
# /etc/group stay the machine's files); it never deletes or changes an
# existing account, except for adding it to the groups it is declared in.
{ config, lib, pkgs, ... }:
with lib;
let
  userModule = { name, config, ... }: {
    options = {
      name = mkOption { type = types.passwdEntry types.str; default = name; description = "The user's login name."; };
      description = mkOption { type = types.passwdEntry types.str; default = ""; example = "Alice Q. User"; description = "The user's full name (GECOS)."; };
      uid = mkOption { type = types.nullOr types.int; default = null; description = "The user's id; null lets useradd choose."; };
      isSystemUser = mkOption { type = types.bool; default = false; description = "A user for a service: a system uid, no home created unless asked."; };
      isNormalUser = mkOption { type = types.bool; default = false; description = "A user who logs in: home under /home, created, group `users`."; };
      group = mkOption { type = types.str; default = if config.isNormalUser then "users" else ""; description = "The user's primary group."; };
      extraGroups = mkOption { type = types.listOf types.str; default = [ ]; description = "Further groups the user is a member of."; };
      home = mkOption { type = types.passwdEntry types.path; default = if config.isNormalUser then "/home/${config.name}" else "/var/empty"; description = "The user's home directory."; };
      createHome = mkOption { type = types.bool; default = config.isNormalUser; description = "Whether to create the home directory."; };
      shell = mkOption {
        type = types.nullOr (types.either types.package (types.passwdEntry types.path));
        default = null;
        example = "/bin/sh";
        description = "The login shell: a path, or a package with `shellPath` (or `bin/<name>`); null: the machine's default.";
      };
    };
  };
  groupModule = { name, ... }: {
    options = {
      name = mkOption { type = types.passwdEntry types.str; default = name; description = "The group's name."; };
      gid = mkOption { type = types.nullOr types.int; default = null; description = "The group's id; null lets groupadd choose."; };
      members = mkOption { type = types.listOf types.str; default = [ ]; description = "Users added to the group."; };
    };
  };

  shellPath = s:
    if s == null then ""
    else if isDerivation s then "${s}${s.shellPath or "/bin/${s.meta.mainProgram or s.pname or "sh"}"}"
    else toString s;
  users = attrValues config.users.users;
  groups = attrValues config.users.groups;
  args = concatMapStringsSep " " escapeShellArg;
in
{
  options.users = {
    users = mkOption {
      type = types.attrsOf (types.submodule userModule);
      default = { };
      example = literalExpression ''{ alice = { isNormalUser = true; extraGroups = [ "wheel" ]; }; }'';
      description = "Users of the system.";
    };
    groups = mkOption {
      type = types.attrsOf (types.submodule groupModule);
      default = { };
      example = { students.gid = 1001; };
      description = "Groups of the system.";
    };
  };

  config = {
    users.groups.users = { };
    assertions = concatMap
      (u: [
        {
          assertion = u.isNormalUser != u.isSystemUser;
          message = "Exactly one of users.users.${u.name}.isSystemUser and users.users.${u.name}.isNormalUser must be set.";
        }
        {
          assertion = u.isSystemUser -> u.group != "";
          message = "users.users.${u.name}.group is unset: a system user needs a primary group (e.g. `users.users.${u.name}.group = \"${u.name}\";` and `users.groups.${u.name} = { };`).";
        }
      ])
      users;

    # Groups first, then users, then memberships.
    system.activationScripts.users = {
      supportsDryActivation = true;
      # Each step is tried even when an earlier one failed.
      text = "status=0\n" + concatMapStrings (line: line + " || status=1\n") (
        map (g: "ensure_group ${args [ g.name (if g.gid == null then "" else toString g.gid) ]}") groups
        ++ map (u: "ensure_user ${args [
          u.name (if u.uid == null then "" else toString u.uid) u.group u.home (if u.createHome then "1" else "")
          (shellPath u.shell) u.description (if u.isSystemUser then "1" else "")
        ]}") users
        ++ concatMap (u: map (g: "ensure_member ${args [ u.name g ]}") u.extraGroups) users
        ++ concatMap (g: map (m: "ensure_member ${args [ m g.name ]}") g.members) groups
      ) + "exit $status\n";
    };
  };
}
