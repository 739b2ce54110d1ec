# The library of the package collection: small helpers written for xnixpkgs
# (lists, attribute sets, strings, fixed points and overlays) and `systems`,
# the platform library backed by xnix's platform elaboration builtin.
let
  lib = rec {
    inherit (builtins)
      attrNames attrValues concatLists concatMap concatStringsSep elem elemAt filter foldl' genList
      hasAttr head isAttrs isBool isFloat isFunction isInt isList isPath isString length listToAttrs
      map mapAttrs removeAttrs replaceStrings sort substring stringLength tail toString typeOf
      zipAttrsWith;

    # ---- functions -----------------------------------------------------
    id = x: x;
    const = x: _: x;
    flip = f: a: b: f b a;
    pipe = builtins.foldl' (x: f: f x);
    min = a: b: if a < b then a else b;
    max = a: b: if a > b then a else b;
    # `cond` must hold, else evaluation fails with `msg`.
    assertMsg = cond: msg: cond || throw msg;
    warn = msg: builtins.trace "warning: ${msg}";
    warnIf = cond: msg: if cond then warn msg else x: x;
    throwIf = cond: msg: if cond then throw msg else x: x;

    # ---- fixed points and overlays -------------------------------------

    # The fixed point of `f`: the value `x` with `x == f x`, found lazily.
    fix = f: let x = f x; in x;

    # Turns `f` (self -> attrs) into one whose result is extended by the
    # overlay `g` (final -> prev -> attrs): `g` sees the finished set as its
    # first argument and `f`'s result as its second.
    extends = g: f: final: let prev = f final; in prev // g final prev;

    # One overlay doing what the given overlays do, left to right.
    composeExtensions = f: g: final: prev:
      let fromF = f final prev; in fromF // g final (prev // fromF);
    composeManyExtensions = foldl' composeExtensions (final: prev: { });

    # The fixed point of `f` with `extend overlay` to add overlays later.
    makeExtensible = makeExtensibleWithCustomName "extend";
    makeExtensibleWithCustomName = name: f:
      fix (self: f self // { ${name} = g: makeExtensibleWithCustomName name (extends g f); });

    # ---- lists ---------------------------------------------------------
    optional = c: x: if c then [ x ] else [ ];
    optionals = c: xs: if c then xs else [ ];
    any = builtins.any;
    all = builtins.all;
    flatten = x: if isList x then concatLists (map flatten x) else [ x ];
    unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
    last = xs: elemAt xs (length xs - 1);
    init = xs: genList (elemAt xs) (length xs - 1);
    take = n: xs: genList (elemAt xs) (if n < length xs then n else length xs);
    drop = n: xs: if n >= length xs then [ ] else genList (i: elemAt xs (i + n)) (length xs - n);
    reverseList = xs: let l = length xs; in genList (i: elemAt xs (l - 1 - i)) l;
    imap0 = f: xs: genList (i: f i (elemAt xs i)) (length xs);
    imap1 = f: xs: genList (i: f (i + 1) (elemAt xs i)) (length xs);
    toList = x: if isList x then x else [ x ];
    foldr = op: nul: xs: let l = length xs; go = i: if i == l then nul else op (elemAt xs i) (go (i + 1)); in go 0;
    count = pred: xs: length (filter pred xs);
    subtractLists = e: filter (x: !(elem x e));
    # Topologically sorted `xs` by `before a b` (a must come before b); the
    # result is `{ result; }` or, for a cycle, `{ cycle; loops; }`.
    toposort = before: xs:
      let
        go = done: rest:
          if rest == [ ] then { result = done; }
          else
            let
              ready = filter (x: !(any (y: y != x && before y x) rest)) rest;
            in
            if ready == [ ] then { cycle = rest; loops = [ ]; }
            else go (done ++ [ (head ready) ]) (filter (x: x != head ready) rest);
      in
      go [ ] xs;
    findFirst = pred: default: xs:
      let found = filter pred xs; in if found == [ ] then default else head found;
    range = a: b: if a > b then [ ] else genList (i: a + i) (b - a + 1);

    # ---- attribute sets ------------------------------------------------
    optionalAttrs = c: as: if c then as else { };
    filterAttrs = pred: as:
      listToAttrs (map (n: { name = n; value = as.${n}; }) (filter (n: pred n as.${n}) (attrNames as)));
    mapAttrsToList = f: as: map (n: f n as.${n}) (attrNames as);
    nameValuePair = name: value: { inherit name value; };
    genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);
    attrByPath = path: default: set:
      if path == [ ] then set
      else if isAttrs set && set ? ${head path} then attrByPath (tail path) default set.${head path}
      else default;
    getAttrFromPath = path: set: attrByPath path (throw "cannot find attribute `${concatStringsSep "." path}'") set;
    hasAttrByPath = path: set:
      if path == [ ] then true
      else isAttrs set && set ? ${head path} && hasAttrByPath (tail path) set.${head path};
    setAttrByPath = path: value:
      if path == [ ] then value else { ${head path} = setAttrByPath (tail path) value; };
    mapAttrs' = f: as: listToAttrs (map (n: f n as.${n}) (attrNames as));
    concatMapAttrs = f: as: foldl' (acc: n: acc // f n as.${n}) { } (attrNames as);
    mapAttrsRecursiveCond = cond: f: set:
      let go = path: as: mapAttrs (n: v: if isAttrs v && cond v then go (path ++ [ n ]) v else f (path ++ [ n ]) v) as;
      in go [ ] set;
    mapAttrsRecursive = mapAttrsRecursiveCond (_: true);
    attrsToList = as: map (n: { name = n; value = as.${n}; }) (attrNames as);
    isStorePath = x:
      let s = toString x; in
      (isString x || isPath x || (isAttrs x && x ? outPath))
      && substring 0 1 s == "/" && dirOf s == builtins.storeDir;
    isStringLike = x: isString x || isPath x || (isAttrs x && (x ? outPath || x ? __toString));
    recursiveUpdate = a: b:
      a // mapAttrs (n: v: if isAttrs v && a ? ${n} && isAttrs a.${n} && !(v ? type && v.type == "derivation") then recursiveUpdate a.${n} v else v) b;
    isDerivation = x: isAttrs x && x ? type && x.type == "derivation";
    # A store path (a string without context, or a path) as a package: a
    # derivation-like set with one output `out`, the path itself. The
    # path's name (after the hash) is already a valid derivation name.
    toDerivation = path:
      let
        storePath = builtins.storePath path;
        drv = {
          type = "derivation";
          name = substring 33 (-1) (baseNameOf storePath);
          outPath = storePath;
          outputs = [ "out" ];
          out = drv;
          outputName = "out";
        };
      in
      drv;

    # ---- derivation outputs -------------------------------------------

    # The output `name` of a package, as nixpkgs' helpers choose it: a
    # package whose output was picked explicitly (`zlib.out`, which has
    # `outputSpecified = true`) is kept; otherwise its output `name`, else
    # `out`, else the package itself (a derivation with one output).
    getOutput = name: pkg:
      if pkg.outputSpecified or false then pkg
      else pkg.${name} or pkg.out or pkg;
    getDev = getOutput "dev";
    getLib = getOutput "lib";
    getBin = getOutput "bin";
    getMan = getOutput "man";
    # getDev on every element of a list.
    chooseDevOutputs = map getDev;

    # ---- strings -------------------------------------------------------
    concatMapStrings = f: xs: concatStringsSep "" (map f xs);
    concatMapStringsSep = sep: f: xs: concatStringsSep sep (map f xs);
    optionalString = c: s: if c then s else "";
    hasPrefix = p: s: substring 0 (stringLength p) s == p;
    hasSuffix = suf: s:
      let ls = stringLength s; lf = stringLength suf; in ls >= lf && substring (ls - lf) lf s == suf;
    removePrefix = p: s: if hasPrefix p s then substring (stringLength p) (stringLength s) s else s;
    removeSuffix = suf: s: if hasSuffix suf s then substring 0 (stringLength s - stringLength suf) s else s;
    hasInfix = infix: s: builtins.match ".*${escapeRegex infix}.*" s != null;
    concatStrings = concatStringsSep "";
    concatLines = xs: concatMapStrings (x: x + "\n") xs;
    escapeRegex = replaceStrings
      [ "\\" "[" "]" "{" "}" "(" ")" "^" "$" "?" "*" "+" "|" "." ]
      [ "\\\\" "\\[" "\\]" "\\{" "\\}" "\\(" "\\)" "\\^" "\\$" "\\?" "\\*" "\\+" "\\|" "\\." ];
    splitString = sep: s: filter isString (builtins.split (escapeRegex sep) s);
    # A Nix string literal with the value `s`.
    escapeNixString = s: replaceStrings [ "$" ] [ "\\$" ] (builtins.toJSON s);
    # An attribute name as Nix source: bare when it is an identifier.
    escapeNixIdentifier = s:
      if builtins.match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null && !(elem s nixKeywords) then s else escapeNixString s;
    nixKeywords = [ "assert" "else" "if" "in" "inherit" "let" "or" "rec" "then" "with" ];
    # The edit distance between two strings (insertions, deletions, substitutions).
    levenshtein = a: b:
      let
        la = stringLength a;
        lb = stringLength b;
        at = s: i: substring i 1 s;
        min3 = x: y: z: min x (min y z);
        row = prev: i: foldl'
          (r: j: r ++ [ (min3 (elemAt prev (j + 1) + 1) (last r + 1) (elemAt prev j + (if at a i == at b j then 0 else 1))) ])
          [ (i + 1) ]
          (genList (j: j) lb);
      in
      last (foldl' row (genList (j: j) (lb + 1)) (genList (i: i) la));
    escapeShellArg = s: "'" + replaceStrings [ "'" ] [ "'\\''" ] (toString s) + "'";
    escapeShellArgs = xs: concatStringsSep " " (map escapeShellArg xs);
    # The name of a shell/environment variable made from any string.
    sanitizeVarName = s: replaceStrings [ "-" "." "+" ] [ "_" "_" "_" ] s;
    boolToString = b: if b then "true" else "false";
    makeSearchPath = sub: dirs: concatStringsSep ":" (map (d: "${d}/${sub}") (filter (d: d != null) dirs));
    makeBinPath = makeSearchPath "bin";

    # ---- functions -----------------------------------------------------

    # Calls `f` with the attributes of `auto` it names, overridden by `args`;
    # the result gets `override` to call again with other arguments.
    callPackageWith = auto: fn: args:
      let
        f = if isFunction fn then fn else import fn;
        wanted = builtins.functionArgs f;
        missing = filter (n: !(wanted.${n}) && !(args ? ${n}) && !(auto ? ${n})) (attrNames wanted);
        # (builtins.intersectAttrs would do; spelled out so no evaluator forces the values)
        fromAuto = filter (n: auto ? ${n}) (attrNames wanted);
        allArgs = listToAttrs (map (n: { name = n; value = auto.${n}; }) fromAuto) // args;
      in
      if missing != [ ] then
        throw "callPackage: ${if isFunction fn then "a function" else toString fn} takes argument '${head missing}', which is neither in the package set nor given; pass it explicitly or add it to the set"
      else makeOverridable f allArgs;

    # Applies `f` to `args`, adding `override` (new arguments) to the result,
    # kept through `overrideAttrs`.
    makeOverridable = f: args:
      let
        result = f args;
        overrideWith = newArgs: makeOverridable f (args // (if isFunction newArgs then newArgs args else newArgs));
      in
      if isAttrs result then
        result // {
          override = overrideWith;
        } // optionalAttrs (result ? overrideAttrs) {
          overrideAttrs = g: let r = result.overrideAttrs g; in r // { override = newArgs: (overrideWith newArgs).overrideAttrs g; };
        }
      else if isFunction result then { __functor = self: result; override = overrideWith; }
      else result;

    systems = import ./systems { inherit lib; };

    # ---- the module system (modules.nix, options.nix, types.nix) -------
    modules = import ./modules.nix { inherit lib; };
    options = import ./options.nix { inherit lib; };
    types = import ./types.nix { inherit lib; };
    generators = import ./generators.nix { inherit lib; };
    inherit (modules)
      evalModules mkIf mkMerge mkOverride mkOptionDefault mkDefault mkImageMediaOverride mkForce
      mkVMOverride mkOrder mkBefore mkAfter mkAliasDefinitions mkAliasAndWrapDefinitions
      mkAliasAndWrapDefsWithPriority mkAliasOptionModule mkAliasOptionModuleMD mkRenamedOptionModule
      mkRenamedOptionModuleWith mkRemovedOptionModule mkChangedOptionModule mkFixStrictness
      setDefaultModuleLocation mergeDefinitions pushDownProperties dischargeProperties filterOverrides
      sortProperties defaultOverridePriority defaultOrderPriority defaultPriority;
    inherit (options)
      mkOption isOption mkEnableOption mkDefaultEnableOption mkPackageOption literalExpression literalMD
      mdDoc showOption showFiles showDefs getValues getFiles mergeEqualOption mergeOneOption
      mergeUniqueOption mergeDefaultOption optionAttrSetToDocList;
    inherit (types) mkOptionType isType isOptionType;

    # ---- system configurations (pkgs/nixos) ------------------------------
    # `nixosSystem { modules; specialArgs ? { }; system ? null; }`: the
    # evaluated configuration (`config`, `options`, `pkgs`, `extendModules`);
    # `config.system.build.toplevel` is the system.
    nixosSystem = args: import ../nixos/lib/eval-config.nix ({ inherit lib; } // args);
    xnixSystem = nixosSystem;
  };
in
lib
