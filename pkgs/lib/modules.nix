# The module system: `evalModules` turns a list of modules (each declaring
# options and defining values for them) into one configuration, with the
# semantics of nixpkgs' module system: priorities (`mkOverride` and its
# names), conditions (`mkIf`), merges (`mkMerge`), ordering (`mkOrder`),
# imports, disabled modules, submodules and freeform types.
#
# Definitions of an option are seen in the reverse of the order in which the
# modules were collected (breadth-first from the `modules` list through
# `imports`, each module once), as nixpkgs does; list options therefore get
# the last module's elements first unless `mkBefore`/`mkAfter` say otherwise.
{ lib }:
let
  inherit (builtins) all any attrNames concatLists concatMap filter foldl' functionArgs genericClosure
    head isAttrs isBool isFunction isList isString length map mapAttrs partition sort tail typeOf zipAttrsWith;
  inherit (lib.options) isOption mkOption showOption showFiles showDefs;

  # ---- properties of definitions -----------------------------------------

  defaultOverridePriority = 100;
  defaultOrderPriority = 1000;

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOrder = priority: content: { _type = "order"; inherit priority content; };

  kindOf = x: if isAttrs x then x._type or "" else "";

  # A definition of a namespace (an attribute set of definitions) wrapped in
  # mkMerge/mkIf/mkOverride, as a list of attribute sets whose values carry
  # the wrappers: `mkIf c { a = 1; }` becomes `[ { a = mkIf c 1; } ]`.
  pushDownProperties = cfg:
    let k = kindOf cfg; in
    if k == "merge" then concatMap pushDownProperties cfg.contents
    else if k == "if" then map (mapAttrs (_: v: mkIf cfg.condition v)) (pushDownProperties cfg.content)
    else if k == "override" then map (mapAttrs (_: v: mkOverride cfg.priority v)) (pushDownProperties cfg.content)
    else [ cfg ];

  # The values a definition stands for once mkMerge and mkIf are resolved.
  dischargeProperties = def:
    let k = kindOf def; in
    if k == "merge" then concatMap dischargeProperties def.contents
    else if k == "if" then
      (if isBool def.condition then (if def.condition then dischargeProperties def.content else [ ])
      else throw "‘mkIf’ called with a non-Boolean condition")
    else [ def ];

  # These run for every definition of every option: each is one call
  # (no kindOf inside).
  priorityOf = def:
    let v = def.value; in
    if isAttrs v && (v._type or "") == "override" then v.priority else defaultOverridePriority;
  isOverride = def: let v = def.value; in isAttrs v && (v._type or "") == "override";
  isOrdered = def: let v = def.value; in isAttrs v && (v._type or "") == "order";
  isConditional = def:
    let v = def.value; k = if isAttrs v then v._type or "" else ""; in k == "merge" || k == "if";

  # Only the definitions of the highest priority (lowest number) count.
  # Most options have no `mkOverride` at all: their definitions are kept as
  # they are, without a pass that computes each one's priority; a single
  # definition (often an option's default alone) needs no comparison.
  filterOverrides' = defs:
    if !(any isOverride defs) then
      { values = defs; highestPrio = if defs == [ ] then 9999 else defaultOverridePriority; }
    else if tail defs == [ ] then
      let def = head defs; in
      { values = [ (def // { value = def.value.content; }) ]; highestPrio = def.value.priority; }
    else
      let
        highestPrio = foldl' (p: def: let q = priorityOf def; in if q < p then q else p) 9999 defs;
      in
      {
        values = concatMap
          (def:
            if priorityOf def != highestPrio then [ ]
            else if isOverride def then [ (def // { value = def.value.content; }) ]
            else [ def ])
          defs;
        inherit highestPrio;
      };
  filterOverrides = defs: (filterOverrides' defs).values;

  # mkOrder: a stable sort by order priority (mkBefore 500, plain 1000, mkAfter 1500).
  sortProperties = defs:
    let
      strip = def: if isOrdered def then def // { value = def.value.content; inherit (def.value) priority; } else def;
      orderOf = def: def.priority or defaultOrderPriority;
    in
    sort (a: b: orderOf a < orderOf b) (map strip defs);

  # ---- merging one option ----------------------------------------------------

  # The value of an option of `type` from its definitions (`{ file, value }`).
  mergeDefinitions = loc: type: defs: rec {
    defsFinal' =
      let
        # Only `mkMerge`/`mkIf` definitions need discharging; the rest stay as they are.
        discharged =
          if !(any isConditional defs) then defs
          else concatMap (def: map (value: { inherit (def) file; inherit value; }) (dischargeProperties def.value)) defs;
        filtered = filterOverrides' discharged;
      in
      {
        values = if any isOrdered filtered.values then sortProperties filtered.values else filtered.values;
        inherit (filtered) highestPrio;
      };
    defsFinal = defsFinal'.values;
    isDefined = defsFinal != [ ];
    mergedValue =
      if !isDefined then
        throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option."
      else if all (def: type.check def.value) defsFinal then type.merge loc defsFinal
      else
        throw "A definition for option `${showOption loc}' is not of type `${type.description}'. ${
          if type.checkError or null != null then type.checkError loc defsFinal
          else "Definition values:${showDefs (filter (def: !type.check def.value) defsFinal)}"}";
    optionalValue = if isDefined then { value = mergedValue; } else { };
  };

  # A declared option with its definitions: the option record of `options`.
  evalOptionValue = loc: opt: defs:
    let
      withDefault = if opt ? default then [{ file = head opt.declarations; value = mkOptionDefault opt.default; }] ++ defs else defs;
      merged =
        if (opt.readOnly or false) && length withDefault > 1 then
          let shown = map (def: def // { value = (mergeDefinitions loc opt.type [ def ]).mergedValue; }) withDefault; in
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs shown}"
        else mergeDefinitions loc opt.type withDefault;
      value = if opt ? apply then opt.apply merged.mergedValue else merged.mergedValue;
    in
    opt // {
      value = builtins.addErrorContext "while evaluating the option `${showOption loc}':" value;
      inherit (merged.defsFinal') highestPrio;
      definitions = map (def: def.value) merged.defsFinal;
      files = map (def: def.file) merged.defsFinal;
      definitionsWithLocations = merged.defsFinal;
      inherit (merged) isDefined;
      __toString = _: showOption loc;
    };

  # Several declarations of one option (`{ file, options }`) as one: at most
  # one may give each of default, example, description, apply; types must
  # merge; submodule options collect each declaration's modules.
  mergeOptionDecls = loc: decls:
    if tail decls == [ ] then mergeOneOptionDecl loc (head decls)
    else
    let
      merged = foldl'
        (res: d:
          let
            o = d.options;
            bothHave = k: o ? ${k} && res ? ${k};
            mergedType = if bothHave "type" then res.type.typeMerge o.type.functor else null;
            subModules = o.type.getSubModules or null;
          in
          if bothHave "default" || bothHave "example" || bothHave "description" || bothHave "apply" || (bothHave "type" && mergedType == null)
          then throw "The option `${showOption loc}' in `${d.file}' is already declared in ${showFiles res.declarations}."
          else
            o // res // {
              declarations = res.declarations ++ [ d.file ];
              options = if subModules != null then map (setDefaultModuleLocation d.file) subModules ++ res.options else res.options;
            } // lib.optionalAttrs (bothHave "type") { type = mergedType; })
        { inherit loc; declarations = [ ]; options = [ ]; }
        decls;
      type = merged.type or lib.types.unspecified;
    in
    merged // {
      type = if merged.options != [ ] then type.substSubModules merged.options else type;
    };

  # What mergeOptionDecls makes of a single declaration.
  mergeOneOptionDecl = loc: d:
    let
      o = d.options;
      type = o.type or lib.types.unspecified;
      subModules = type.getSubModules or null;
      options = if subModules != null then map (setDefaultModuleLocation d.file) subModules else [ ];
    in
    o // {
      inherit loc options;
      declarations = [ d.file ];
      type = if options != [ ] then type.substSubModules options else type;
    };

  # ---- merging a level of options ----------------------------------------------

  # Options declared at `loc` (each module's `options` subtree there) with the
  # definitions at `loc` (`{ file, value }`: each module's `config` subtree
  # there, so a level's definitions of a name are the next level's). The result:
  # `options` and `config` trees, and the definitions that match no
  # declaration (`unmatched`, each with its path below `loc`).
  mergeLevel = loc: decls: defs:
    let
      declsByName = zipAttrsWith (n: ds: ds)
        (map (d: mapAttrs (n: o: { inherit (d) file; options = o; }) d.options) decls);
      defsByName = zipAttrsWith (n: ds: ds)
        (concatMap
          (d: map (attrs: mapAttrs (n: v: { inherit (d) file; value = v; }) attrs) (namespaceDefinitions loc d))
          defs);

      mergeName = name: ds:
        let
          sub = loc ++ [ name ];
          here = defsByName.${name} or [ ];
          split = partition (d: isOption d.options) ds;
          optionDecls = split.right;
          nested = split.wrong;
          nestable = all (d: (d.options.type.getSubModules or null) != null) optionDecls;
          # Options declared below a submodule option become that submodule's options.
          asSubmodule = d: { inherit (d) file; options = mkOption { type = lib.types.submodule { options = d.options; }; }; };
        in
        if optionDecls == [ ] then
          { isOption = false; level = mergeLevel sub nested here; }
        else if nested == [ ] || nestable then
          { isOption = true; option = evalOptionValue sub (mergeOptionDecls sub (optionDecls ++ map asSubmodule nested)) here; }
        else
          let first = head optionDecls; in
          throw ("The option `${showOption sub}' in module `${first.file}' would be a parent of the following options, but its type `${first.options.type.description or "unspecified value"}' does not support nested options."
            + lib.concatMapStrings (d: "\n - option(s) with prefix `${showOption (sub ++ [ (head (attrNames d.options)) ])}' in module `${d.file}'") nested);

      merged = mapAttrs mergeName declsByName;
      declared = attrNames declsByName;
    in
    {
      options = mapAttrs (n: m: if m.isOption then m.option else m.level.options) merged;
      config = mapAttrs (n: m: if m.isOption then m.option.value else m.level.config) merged;
      unmatched = concatMap
        (name:
          if merged ? ${name} then
            (if merged.${name}.isOption then [ ]
            else map (u: u // { prefix = [ name ] ++ u.prefix; }) merged.${name}.level.unmatched)
          else map (def: def // { prefix = [ name ]; siblings = declared; }) defsByName.${name})
        (attrNames defsByName);
    };

  # A module's definitions at a level of namespaces, as attribute sets.
  namespaceDefinitions = loc: d:
    let c = d.value; k = if isAttrs c then c._type or "" else null; in
    # A plain attribute set (most modules' definitions) is one namespace as it is.
    if k != null && k != "merge" && k != "if" && k != "override" then [ c ]
    else map
      (attrs:
        if isAttrs attrs then attrs
        else throw ''
          In module `${d.file}', you're trying to define a value of type `${typeOf attrs}'
          rather than an attribute set for the option
          `${showOption loc}'!

          This usually happens if `${showOption loc}' has option
          definitions inside that are not matched. Please check how to properly define
          this option by e.g. referring to `man 5 configuration.nix'!
        '')
      (pushDownProperties d.value);

  # ---- collecting modules --------------------------------------------------------

  knownModuleAttrs = [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" ];

  # A module in one shape: `{ _file, key, imports, disabledModules, options, config, _class }`.
  unifyModule = file: key: m:
    if !isAttrs m then
      throw "The module `${file}' is a ${typeOf m}; a module is an attribute set, a function returning one, or a path to a file holding either."
    else
      let
        file' = toString (m._file or file);
        explicit = m ? config || m ? options;
        extra = removeAttrs m knownModuleAttrs;
        definitions = if explicit then m.config or { } else extra;
        withExtras =
          if !(m ? freeformType || m ? meta) then [ ]
          else lib.optional (m ? freeformType) { _module.freeformType = m.freeformType; }
            ++ lib.optional (m ? meta) { meta = m.meta; };
      in
      if explicit && extra != { } then
        throw "Module `${toString (m.key or key)}' has an unsupported attribute `${head (attrNames extra)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${lib.concatStringsSep " " (attrNames extra)}) into the explicit `config' attribute."
      else {
        _file = file';
        key = toString (m.key or key);
        _class = m._class or null;
        imports = m.imports or [ ];
        disabledModules = m.disabledModules or [ ];
        options = m.options or { };
        config = if withExtras == [ ] then definitions else mkMerge (withExtras ++ [ definitions ]);
      };

  setDefaultModuleLocation = file: m: { _file = file; imports = [ m ]; };

  # ---- evalModules --------------------------------------------------------------

  # The options `_module.*` every evaluation declares: the same declarations
  # for every evaluation (made once, not again for each submodule value).
  internalOptions = {
    args = mkOption {
      type = lib.types.lazyAttrsOf lib.types.raw;
      internal = true;
      description = "Arguments given to every module function, besides `config`, `options`, `lib` and `specialArgs`.";
    };
    check = mkOption {
      type = lib.types.bool;
      internal = true;
      default = true;
      description = "Whether definitions of undeclared options are errors.";
    };
    freeformType = mkOption {
      type = lib.types.nullOr lib.types.optionType;
      internal = true;
      default = null;
      description = "The type of definitions that match no declared option; they become part of `config`.";
    };
    specialArgs = mkOption {
      readOnly = true;
      internal = true;
      description = "The `specialArgs` this evaluation was given.";
    };
  };

  evalModules = evalArgs@{ modules, prefix ? [ ], specialArgs ? { }, class ? null, args ? { }, check ? true }:
    let
      # Declares `_module.*`, which every evaluation has.
      internalModule = {
        _file = toString ./modules.nix;
        key = "${toString ./modules.nix}#internal";
        options._module = internalOptions;
        config._module = {
          args = { inherit extendModules; moduleType = type; } // args;
          check = lib.mkDefault check;
          inherit specialArgs;
        };
      };

      moduleArgs = { inherit lib options config specialArgs; _class = class; _prefix = prefix; } // specialArgs;

      # A module function gets the arguments it names from specialArgs or,
      # lazily, from `_module.args`.
      callModule = file: f:
        f (moduleArgs // mapAttrs
          (name: _:
            moduleArgs.${name} or (
              if config._module.args ? ${name} then config._module.args.${name}
              else throw "The module `${file}' takes an argument `${name}', which no module gives: pass it in `specialArgs' or define `_module.args.${name}'."))
          (functionArgs f));

      # One node of the import graph: a module with its key and its imports.
      node = parentFile: key: m:
        let
          fromPath = builtins.isPath m || isString m;
          file = if fromPath then toString m else parentFile;
          raw = if fromPath then import m else m;
          called = if isFunction raw then callModule file raw else raw;
          unified = unifyModule file (if fromPath then toString m else key) called;
          self = {
            key = if fromPath then toString m else unified.key;
            module = unified;
            children =
              if unified.imports == [ ] then [ ]
              else lib.imap1 (i: node unified._file "${self.key}:anon-${toString i}") unified.imports;
          };
        in
        self;

      roots = [ (node "<unknown-file>" internalModule.key internalModule) ]
        ++ lib.imap1 (i: node "<unknown-file>" ":anon-${toString i}") modules;
      everything = genericClosure { startSet = roots; operator = n: n.children; };

      disabledKey = file: d:
        if builtins.isPath d then toString d
        else if isString d then (if lib.hasPrefix "/" d then d else toString (specialArgs.modulesPath or (dirOf file)) + "/" + d)
        else if isAttrs d && d ? key then toString d.key
        else throw "Each disabledModules item must be a path, a string, or an attribute set with a key attribute; module `${file}' gives a ${typeOf d}.";
      disabled = concatMap (n: map (disabledKey n.module._file) n.module.disabledModules) everything;
      enabled = n: !(lib.elem n.key disabled);
      collected = map (n: n.module) (
        if disabled == [ ] then everything
        else genericClosure { startSet = filter enabled roots; operator = n: filter enabled n.children; });

      checkClass = m:
        if class != null && m._class != null && m._class != class
        then throw ''
          The module `${m._file}` (class: "${m._class}") cannot be imported into a module evaluation that expects class "${class}".

          Modules declare the kind of evaluation they are written for with `_class`; import this one into an
          evaluation of class "${m._class}" instead, or remove or correct its `_class`.''
        else m;
      # Definitions are seen latest module first (see the header).
      ordered = lib.reverseList (map checkClass collected);

      merged = mergeLevel prefix
        (map (m: { file = m._file; options = m.options; }) ordered)
        (map (m: { file = m._file; value = m.config; }) ordered);

      options = merged.options;
      declaredConfig = merged.config;
      freeformType = declaredConfig._module.freeformType;
      freeformConfig =
        if merged.unmatched == [ ] then { }
        else (mergeDefinitions prefix freeformType
          (map (u: { inherit (u) file; value = lib.setAttrByPath u.prefix u.value; }) merged.unmatched)).mergedValue;
      config = if freeformType == null then declaredConfig else updateDeclared freeformConfig declaredConfig;

      checkUnmatched =
        if declaredConfig._module.check && freeformType == null && merged.unmatched != [ ] then
          let
            u = head merged.unmatched;
            path = prefix ++ u.prefix;
            candidates = filter (n: n != "_module") u.siblings;
            near = lib.take 3 (map (c: c.name) (sort
              (a: b: a.distance < b.distance || (a.distance == b.distance && a.name < b.name))
              (map (n: { name = n; distance = lib.levenshtein (lib.last u.prefix) n; }) candidates)));
            shown = map (n: "`${showOption (lib.init path ++ [ n ])}'") near;
            hint =
              if filter (n: n != "_module") (attrNames options) == [ ] then
                "\n\nIt seems as if you're trying to declare an option by placing it into `config' rather than `options'!"
              else if near == [ ] then ""
              else "\n\nDid you mean ${lib.concatStringsSep ", " (lib.init shown)}${if length shown > 1 then " or " else ""}${lib.last shown}?";
          in
          throw "The option `${showOption path}' does not exist. Definition values:${showDefs [ u ]}${hint}"
        else null;
      checked = builtins.seq checkUnmatched;

      extendModules = { modules ? [ ], specialArgs ? { }, prefix ? evalArgs.prefix or [ ] }:
        evalModules (evalArgs // {
          modules = evalArgs.modules ++ modules;
          specialArgs = (evalArgs.specialArgs or { }) // specialArgs;
          inherit prefix;
        });

      type = lib.types.submoduleWith { inherit modules specialArgs class; };
    in
    {
      _type = "configuration";
      options = checked options;
      config = checked (removeAttrs config [ "_module" ]);
      _module = checked config._module;
      inherit extendModules type class;
      # The modules taken, in the order they were collected.
      graph = map (m: { inherit (m) key; file = m._file; }) collected;
    };

  # The freeform part under the declared options: attribute sets present in
  # both are merged, anything declared wins.
  updateDeclared = free: declared:
    free // mapAttrs
      (n: v: if free ? ${n} && isAttrs free.${n} && isAttrs v && !isOption v then updateDeclared free.${n} v else v)
      declared;

  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;

  # ---- modules that move or remove options ----------------------------------

  # Definitions of option `from` (its record) moved to the path `wrap` builds,
  # keeping their priority.
  mkAliasAndWrapDefsWithPriority = wrap: option:
    let prio = option.highestPrio or defaultOverridePriority; in
    mkIf option.isDefined (wrap (mkMerge (map (mkOverride prio) option.definitions)));
  mkAliasAndWrapDefinitions = wrap: option: mkIf option.isDefined (wrap (mkMerge option.definitions));
  mkAliasDefinitions = mkAliasAndWrapDefinitions lib.id;

  # `from` as another name of `to`: definitions of either reach `to`.
  doRename = { from, to, visible, warn, use, withPriority ? true }:
    { config, options, ... }:
    let
      fromOpt = lib.getAttrFromPath from options;
      toOf = lib.attrByPath to (abort "Renaming error: option `${showOption to}' does not exist.");
      toType = let opt = lib.attrByPath to { } options; in opt.type or null;
    in
    {
      options = lib.setAttrByPath from (mkOption ({
        inherit visible;
        description = "Alias of {option}`${showOption to}`.";
        apply = x: use (toOf config);
      } // lib.optionalAttrs (toType != null) { type = toType; }));
      config = mkMerge [
        (lib.optionalAttrs (options ? warnings) {
          warnings = lib.optional (warn && fromOpt.isDefined)
            "The option `${showOption from}' defined in ${showFiles fromOpt.files} has been renamed to `${showOption to}'.";
        })
        (if withPriority then mkAliasAndWrapDefsWithPriority (lib.setAttrByPath to) fromOpt
        else mkAliasAndWrapDefinitions (lib.setAttrByPath to) fromOpt)
      ];
    };
in
{
  inherit evalModules mergeDefinitions evalOptionValue mergeOptionDecls pushDownProperties dischargeProperties
    filterOverrides filterOverrides' sortProperties setDefaultModuleLocation defaultOverridePriority defaultOrderPriority
    mkIf mkMerge mkOverride mkOrder mkOptionDefault mkDefault mkAliasDefinitions mkAliasAndWrapDefinitions
    mkAliasAndWrapDefsWithPriority doRename;
  defaultPriority = defaultOverridePriority;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  mkFixStrictness = lib.id;

  mkAliasOptionModule = from: to: doRename { inherit from to; visible = true; warn = false; use = lib.id; };
  mkAliasOptionModuleMD = from: to: doRename { inherit from to; visible = true; warn = false; use = lib.id; };
  mkRenamedOptionModule = from: to: doRename {
    inherit from to;
    visible = false;
    warn = true;
    use = builtins.trace "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };
  mkRenamedOptionModuleWith = { from, to, sinceRelease }: doRename {
    inherit from to;
    visible = false;
    warn = true;
    use = builtins.trace "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };
  # An option that is gone: defining it fails an assertion that says what to do instead.
  mkRemovedOptionModule = optionName: replacementInstructions:
    { options, ... }:
    {
      options = lib.setAttrByPath optionName (mkOption {
        visible = false;
        apply = x: throw "The option `${showOption optionName}' can no longer be used since it's been removed. ${replacementInstructions}";
      });
      config.assertions =
        let opt = lib.getAttrFromPath optionName options; in
        [{
          assertion = !opt.isDefined;
          message = ''
            The option definition `${showOption optionName}' in ${showFiles opt.files} no longer has any effect; please remove it.
            ${replacementInstructions}
          '';
        }];
    };
  # `from`'s definitions become `to`'s through `changeFn` (of the whole config).
  mkChangedOptionModule = from: to: changeFn:
    { config, options, ... }:
    let fromOpt = lib.getAttrFromPath from options; in
    {
      options = lib.setAttrByPath from (mkOption { visible = false; description = "Replaced by {option}`${showOption to}`."; });
      config = mkMerge [
        (lib.optionalAttrs (options ? warnings) {
          warnings = lib.optional fromOpt.isDefined
            "The option `${showOption from}' defined in ${showFiles fromOpt.files} has been changed to `${showOption to}' that has a different type. Please read `${showOption to}' documentation and update your configuration accordingly.";
        })
        (mkIf fromOpt.isDefined (lib.setAttrByPath to (mkOverride fromOpt.highestPrio (changeFn config))))
      ];
    };
}
