# A small module system in the style of NixOS modules, written for this
# benchmark: modules are functions of the final `config` returning option
# declarations and definitions; definitions are wrapped in properties
# (conditions, priorities, orderings, merges), collected per option across
# all modules, filtered by priority, type-checked, merged by type, and fed
# back into `config` as a fixpoint. Many small sets, closures, catAttrs /
# zipAttrs-style collection, sorting and list building: the evaluator paths
# that module-heavy code spends its time in.
let
  inherit (builtins)
    attrNames catAttrs concatMap filter foldl' genList head isAttrs isBool
    isInt isList isString length listToAttrs mapAttrs sort throw toString
    all any;

  # ---------------------------------------------------------------- properties

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  # Pushes conditions and merges down to the leaves of a definition.
  pushDown = def:
    if def._type or "" == "merge" then concatMap pushDown def.contents
    else if def._type or "" == "if" then
      (if isBool def.condition then (if def.condition then pushDown def.content else [ ])
       else throw "mkIf condition is not a Boolean")
    else [ def ];

  # Splits a definition of a set into definitions of its attributes without
  # looking at conditions, so that a condition may read the final `config`.
  pushDownAttrs = def:
    if def._type or "" == "merge" then mapAttrs (n: mkMerge) (zipDefs (map pushDownAttrs def.contents))
    else if def._type or "" == "if" then mapAttrs (n: mkIf def.condition) (pushDownAttrs def.content)
    else def;

  priorityOf = def: if def._type or "" == "override" then def.priority else 100;
  contentOf = def:
    if def._type or "" == "override" || def._type or "" == "order" then contentOf def.content else def;
  orderOf = def:
    if def._type or "" == "order" then def.priority
    else if def._type or "" == "override" then orderOf def.content
    else 1000;

  # ---------------------------------------------------------------- types

  mkType = { name, check, merge ? mergeEqual }: { _isType = true; inherit name check merge; };
  mergeEqual = loc: defs:
    let first = head defs; in
    foldl' (acc: d: if d.value == first.value then acc
                    else throw "conflicting definitions for ${loc}") first.value defs;
  mergeLast = loc: defs: (foldl' (acc: d: d) (head defs) defs).value;

  types = rec {
    int = mkType { name = "int"; check = isInt; merge = mergeLast; };
    port = mkType { name = "port"; check = v: isInt v && v >= 0 && v < 65536; };
    bool = mkType { name = "bool"; check = isBool; merge = loc: defs: any (d: d.value) defs; };
    str = mkType { name = "str"; check = isString; };
    lines = mkType {
      name = "lines";
      check = isString;
      merge = loc: defs: foldl' (acc: d: if acc == "" then d.value else "${acc}\n${d.value}") "" defs;
    };
    listOf = elemType: mkType {
      name = "listOf ${elemType.name}";
      check = v: isList v && all elemType.check v;
      merge = loc: defs: concatMap (d: d.value) defs;
    };
    attrsOf = elemType: mkType {
      name = "attrsOf ${elemType.name}";
      check = isAttrs;
      merge = loc: defs:
        let
          perName = zipDefs (map (d: mapAttrs (n: v: { inherit (d) file; value = v; }) d.value) defs);
        in mapAttrs (n: ds: checkAndMerge "${loc}.${n}" elemType ds) perName;
    };
    submodule = opts: mkType {
      name = "submodule";
      check = isAttrs;
      merge = loc: defs: evalModules (map (d: { file = d.file; module = _: { config = d.value; }; }) defs ++ [ { file = loc; module = _: { options = opts; }; } ]);
    };
  };

  # ---------------------------------------------------------------- options

  mkOption = { type, default ? null, description ? "" }:
    { _isOption = true; inherit type default description; };
  mkEnable = description: mkOption { type = types.bool; default = false; inherit description; };
  isOption = v: isAttrs v && v._isOption or false;

  # { a = [ x ]; } { a = [ y ]; b = [ z ]; } ... -> { a = [ x y ]; b = [ z ]; }
  zipDefs = sets:
    let names = attrNames (foldl' (acc: s: acc // s) { } sets);
    in listToAttrs (map (n: { name = n; value = catAttrs n sets; }) names);

  checkAndMerge = loc: type: defs:
    let
      checked = map (d: if type.check d.value then d
                        else throw "${loc}: ${toString d.value} is not a ${type.name}") defs;
    in type.merge loc checked;

  # The value of one option from its definitions: highest priority wins,
  # orderings sort, the type merges what is left.
  optionValue = loc: opt: defs:
    let
      leaves = concatMap (d: map (v: { inherit (d) file; value = v; }) (pushDown d.value)) defs;
      best = foldl' (acc: d: let p = priorityOf d.value; in if p < acc then p else acc) 9999 leaves;
      kept = filter (d: priorityOf d.value == best) leaves;
      ordered = sort (a: b: orderOf a.value < orderOf b.value) kept;
      final = map (d: { inherit (d) file; value = contentOf d.value; }) ordered;
    in
    if final == [ ] then opt.default
    else checkAndMerge loc opt.type final;

  evalModules = modules:
    let
      results = map (m: { inherit (m) file; r = m.module { inherit config; }; }) modules;
      decls = zipDefs (map (x: x.r.options or { }) results);
      defs = map (x: { inherit (x) file; value = x.r.config or { }; }) results;
      config = mergeTree "" decls defs;
    in config;

  # Walks the declared option tree; definitions at each level are split per name.
  mergeTree = loc: decls: defs:
    mapAttrs (name: ds:
      let
        sub = if loc == "" then name else "${loc}.${name}";
        here = concatMap (d:
          let split = pushDownAttrs d.value; in
          if split ? ${name} then [ { inherit (d) file; value = split.${name}; } ] else [ ]) defs;
      in
      if all isOption ds then
        (if length ds == 1 then optionValue sub (head ds) here
         else throw "option ${sub} declared more than once")
      else mergeTree sub (zipDefs ds) here
    ) decls;

  # ---------------------------------------------------------------- modules

  n = 300;
  svc = i: "svc${toString i}";

  serviceModule = i: { config }: {
    options.services.${svc i} = {
      enable = mkEnable "service ${toString i}";
      port = mkOption { type = types.port; default = 1000 + i; };
      user = mkOption { type = types.str; default = svc i; };
      tags = mkOption { type = types.listOf types.str; default = [ ]; };
      extraConfig = mkOption { type = types.lines; default = ""; };
      env = mkOption { type = types.attrsOf types.str; default = { }; };
      users = mkOption {
        type = types.attrsOf (types.submodule {
          uid = mkOption { type = types.int; default = i; };
          groups = mkOption { type = types.listOf types.str; default = [ ]; };
        });
        default = { };
      };
    };
    config = mkMerge [
      (mkIf config.services.${svc i}.enable {
        services.${svc i} = {
          tags = [ "enabled" ];
          extraConfig = mkAfter "# end of ${svc i}";
          env.PORT = toString config.services.${svc i}.port;
          users = listToAttrs (map (u: { name = u; value = { groups = [ "g${u}" ]; }; }) [ "a" "b" ]);
        };
        firewall.allowedPorts = [ config.services.${svc i}.port ];
      })
      {
        services.${svc i} = {
          extraConfig = mkBefore "# ${svc i}";
          port = mkDefault (2000 + i);
        };
      }
    ];
  };

  firewallModule = { config }: {
    options.firewall = {
      enable = mkEnable "the firewall";
      allowedPorts = mkOption { type = types.listOf types.port; default = [ ]; };
      summary = mkOption { type = types.str; default = ""; };
    };
    config.firewall = {
      enable = mkForce true;
      summary = "${toString (length config.firewall.allowedPorts)} ports open";
    };
  };

  siteModule = { config }: {
    config.services = listToAttrs (genList (i: {
      name = svc i;
      value = {
        enable = i / 3 * 3 != i;
        port = mkIf (i / 2 * 2 == i) (3000 + i);
        tags = [ "site" ];
        env.HOME = "/var/lib/${svc i}";
      };
    }) n);
  };

  modules =
    genList (i: { file = "service${toString i}.nix"; module = serviceModule i; }) n
    ++ [
      { file = "firewall.nix"; module = firewallModule; }
      { file = "site.nix"; module = siteModule; }
    ];

  config = evalModules modules;
in
{
  inherit (config) firewall;
  enabled = length (filter (s: s.enable) (map (name: config.services.${name}) (attrNames config.services)));
  services = mapAttrs (name: s: { inherit (s) port tags extraConfig env users; }) config.services;
}
