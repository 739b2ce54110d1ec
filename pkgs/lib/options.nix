# Option declarations and how options and their definitions are shown in
# messages: `mkOption` and its relatives, `showOption`, `showFiles`,
# `showDefs`, and the merge functions that simple types share.
{ lib }:
let
  inherit (builtins) attrNames concatStringsSep head isAttrs isFunction isList
    length map match tail;

  # The suggestion appended to every "defined several times" error.
  prioritySuggestion = "Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.";

  # A component of an option path is written bare when it reads as a Nix
  # identifier (or is a placeholder such as `<name>` or `*`), else as a
  # quoted Nix string.
  showOptionPart = part:
    if part == "*" || match "<.*>" part != null || match "[a-zA-Z_][a-zA-Z0-9_'-]*" part != null
    then part
    else lib.escapeNixString part;
in
rec {
  # ---- declaring options ------------------------------------------------

  # An option declaration. Every attribute is optional: `type` (default
  # `types.unspecified`), `default`, `defaultText`, `example`, `description`,
  # `apply` (applied to the merged value), `readOnly`, `internal`, `visible`,
  # `relatedPackages`.
  mkOption = attrs: attrs // { _type = "option"; };

  isOption = x: isAttrs x && (x._type or "") == "option";

  # A boolean option, false unless enabled.
  mkEnableOption = name: mkOption {
    type = lib.types.bool;
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
  };

  # A boolean option that defaults to true.
  mkDefaultEnableOption = name: mkOption {
    type = lib.types.bool;
    default = true;
    example = false;
    description = "Whether to enable ${name}.";
  };

  # An option holding a package of `pkgs`, found by attribute path
  # (`name` or `default`, a string or a list of attribute names).
  mkPackageOption = pkgs: name:
    { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
    let
      namePath = lib.toList name;
      shownName = concatStringsSep "." namePath;
      defaultPath = if default == null then null else lib.toList default;
      shownDefault = concatStringsSep "." defaultPath;
      found =
        if defaultPath == null then null
        else lib.attrByPath defaultPath (throw "${pkgsText}.${shownDefault} cannot be found in ${pkgsText}") pkgs;
    in
    mkOption ({
      type = if nullable then lib.types.nullOr lib.types.package else lib.types.package;
      description = "The ${shownName} package to use." + (if extraDescription == "" then "" else " " + extraDescription);
    } // lib.optionalAttrs (defaultPath != null) {
      default = found;
      defaultText = literalExpression "${pkgsText}.${shownDefault}";
    } // lib.optionalAttrs (defaultPath == null && nullable) {
      default = null;
    } // lib.optionalAttrs (example != null) {
      example = if builtins.isString example || isList example
        then literalExpression "${pkgsText}.${concatStringsSep "." (lib.toList example)}"
        else example;
    });

  # Texts for documentation: an expression shown as written, Markdown.
  literalExpression = text: { _type = "literalExpression"; inherit text; };
  literalMD = text: { _type = "literalMD"; inherit text; };
  # Descriptions are Markdown already; kept for modules that still call it.
  mdDoc = text: text;

  # ---- showing options and definitions -----------------------------------

  # `a.b."c d".<name>`: an option path as messages print it.
  showOption = parts: concatStringsSep "." (map showOptionPart parts);

  # "`a.nix' and `b.nix'"
  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);

  # Each definition as "- In `FILE': VALUE", the value pretty-printed (at
  # most five lines; a value that fails to evaluate is left out).
  showDefs = defs: lib.concatMapStrings
    (def:
      let
        printed = builtins.tryEval (lib.generators.toPretty { } def.value);
        lines = lib.splitString "\n" printed.value;
        shown = concatStringsSep "\n    " (lib.take 5 lines ++ lib.optional (length lines > 5) "...");
        valueText =
          if !printed.success then ""
          else if length lines > 1 then ":\n    " + shown
          else ": " + shown;
      in
      "\n- In `${def.file}'${valueText}")
    defs;

  inherit prioritySuggestion;

  getValues = map (def: def.value);
  getFiles = map (def: def.file);

  # ---- merge functions shared by the simple types ------------------------

  # All definitions must be equal; the message shows the first two that differ.
  mergeEqualOption = loc: defs:
    if length defs == 1 then (head defs).value
    else
      (lib.foldl'
        (first: def:
          if def.value != first.value then
            throw "The option `${showOption loc}' has conflicting definition values:${showDefs [ first def ]}\n${prioritySuggestion}"
          else first)
        (head defs)
        (tail defs)).value;

  # Exactly one definition is allowed; `message` explains why.
  mergeUniqueOption = { message }: loc: defs:
    if length defs == 1 then (head defs).value
    else throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:${showDefs defs}\n${prioritySuggestion}";

  mergeOneOption = mergeUniqueOption { message = ""; };

  # The merge of untyped options: functions are merged pointwise, lists
  # concatenated, attribute sets updated left to right, booleans or-ed,
  # strings concatenated, equal integers kept.
  mergeDefaultOption = loc: defs:
    let values = getValues defs; in
    if length values == 1 then head values
    else if lib.all isFunction values then x: mergeDefaultOption (loc ++ [ "<function body>" ]) (map (d: d // { value = d.value x; }) defs)
    else if lib.all isList values then lib.concatLists values
    else if lib.all isAttrs values then lib.foldl' (a: b: a // b) { } values
    else if lib.all builtins.isBool values then lib.any (x: x) values
    else if lib.all lib.isString values then lib.concatStrings values
    else if lib.all builtins.isInt values && lib.all (x: x == head values) values then head values
    else throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";

  # Declarations as the documentation sees them: one record per visible
  # option below `options`.
  optionAttrSetToDocList = optionAttrSetToDocList' [ ];
  optionAttrSetToDocList' = prefix: options:
    lib.concatMap
      (name:
        let opt = options.${name}; in
        if isOption opt then
          [({
            name = showOption opt.loc;
            loc = opt.loc;
            description = opt.description or null;
            declarations = opt.declarations or [ ];
            internal = opt.internal or false;
            visible = opt.visible or true;
            readOnly = opt.readOnly or false;
            type = opt.type.description or "unspecified";
          } // lib.optionalAttrs (opt ? default) { default = opt.default; }
            // lib.optionalAttrs (opt ? example) { example = opt.example; })]
        else if isAttrs opt then optionAttrSetToDocList' (prefix ++ [ name ]) opt
        else [ ])
      (attrNames options);
}
