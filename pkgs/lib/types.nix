# Option types: what a definition may be (`check`), how several definitions
# become one value (`merge`), and how the type reads in messages and
# documentation (`description`). Types that hold other types (listOf,
# attrsOf, submodule, ...) merge each element through `lib.modules.mergeDefinitions`,
# so priorities and `mkIf` work at every level and errors name the element.
{ lib }:
let
  inherit (builtins) all any attrNames concatLists concatStringsSep elem filter head isAttrs
    isBool isFloat isFunction isInt isList isString length map mapAttrs match
    removeAttrs toJSON typeOf zipAttrsWith;
  inherit (lib.options) showOption showFiles getFiles getValues mergeEqualOption mergeOneOption
    mergeUniqueOption mergeDefaultOption;
  mergeDefinitions = lib.modules.mergeDefinitions;

  isStringLike = x: isString x || builtins.isPath x || (isAttrs x && (x ? outPath || x ? __toString));

  # How a type's description reads inside another's: wrapped in parentheses
  # unless its class is one the outer phrase can take as it is.
  optionDescriptionPhrase = unparenthesize: t:
    if unparenthesize (t.descriptionClass or null) then t.description else "(${t.description})";

  # Whether two declarations' types can be one: the same constructor with
  # payloads that combine (`binOp`) and element types that merge.
  defaultTypeMerge = f: f':
    let
      mergedWrapped = f.wrapped.typeMerge f'.wrapped.functor;
      mergedPayload = f.binOp f.payload f'.payload;
    in
    if f.name != f'.name then null
    else if f.payload == null && f'.payload == null && f.wrapped == null && f'.wrapped == null then f.type
    else if f.payload != null && f'.payload != null then
      (if mergedPayload == null then null else f.type mergedPayload)
    else if f.wrapped != null && f'.wrapped != null then
      (if mergedWrapped == null then null else f.type mergedWrapped)
    else null;

  defaultFunctor = name: {
    inherit name;
    type = types.${name} or null;
    wrapped = null;
    payload = null;
    binOp = a: b: null;
  };

  # A type from its parts; every part has a default.
  mkOptionType =
    { name
    , description ? null
    , descriptionClass ? null
    , check ? (x: true)
    , merge ? mergeDefaultOption
    , emptyValue ? { }
    , getSubOptions ? prefix: { }
    , getSubModules ? null
    , substSubModules ? m: null
    , typeMerge ? defaultTypeMerge functor
    , functor ? defaultFunctor name
    , deprecationMessage ? null
    , nestedTypes ? { }
      # `loc: defs: text`: what a type error says after "is not of type `…'. "
      # when a definition fails `check` (null: the failing definitions).
    , checkError ? null
    }:
    {
      _type = "option-type";
      inherit name check merge emptyValue getSubOptions getSubModules substSubModules typeMerge
        functor deprecationMessage nestedTypes descriptionClass checkError;
      description = if description == null then name else description;
    };

  # The type error of containers (lists, attribute sets, submodules,
  # coercions): as nixpkgs words it, a `TypeError:` showing the definitions
  # that fail `check`.
  containerCheckError = check: loc: defs:
    "TypeError: Definition values: ${lib.options.showDefs (filter (def: !check def.value) defs)}";
  # The type error of `either t1 t2`: no one of the two takes every definition.
  eitherError = t1: t2: loc: defs:
    "TypeError: The option `${showOption loc}` is neither a value of type `${t1.description}` nor `${t2.description}`, Definition values: ${lib.options.showDefs defs}";

  isType = type: x: (x._type or "") == type;
  isOptionType = isType "option-type";

  # A type whose functor carries one wrapped type (listOf, attrsOf, nullOr, ...).
  wrapFunctor = name: constructor: elemType: defaultFunctor name // { type = constructor; wrapped = elemType; };

  # A type whose functor carries a payload that combines with `binOp`.
  payloadFunctor = name: constructor: payload: binOp: defaultFunctor name // { type = constructor; inherit payload binOp; };

  # An integer type bounded by `lo` and `hi` (null: unbounded).
  intBetween = { name, description, lo, hi }: mkOptionType {
    inherit name description;
    descriptionClass = "noun";
    check = x: isInt x && (lo == null || x >= lo) && (hi == null || x <= hi);
    merge = mergeEqualOption;
  };
  betweenText = lo: hi: "between ${toString lo} and ${toString hi} (both inclusive)";
  sizedInt = bits: signed:
    let
      lo = if signed then -(pow2 (bits - 1)) else 0;
      hi = if signed then pow2 (bits - 1) - 1 else pow2 bits - 1;
    in
    intBetween {
      name = "${if signed then "s" else "u"}${toString bits}";
      description = "${toString bits} bit ${if signed then "signed" else "unsigned"} integer; ${betweenText lo hi}";
      inherit lo hi;
    };
  pow2 = n: if n == 0 then 1 else 2 * pow2 (n - 1);

  # Strings joined with `sep` when defined several times.
  separatedString = sep: mkOptionType {
    name = "separatedString";
    description = if sep == "" then "Concatenated string" else "strings concatenated with ${toJSON sep}";
    descriptionClass = "noun";
    check = isString;
    merge = loc: defs: concatStringsSep sep (getValues defs);
    functor = payloadFunctor "separatedString" separatedString sep (a: b: if a == b then a else null);
    emptyValue = { value = ""; };
  };

  showEnumValue = v:
    if isString v then ''"${v}"''
    else if isInt v then toString v
    else if isBool v then lib.boolToString v
    else "<${typeOf v}>";

  # The shape a definition of a submodule takes as a module of its own.
  definitionModules = shorthandOnlyDefinesConfig: defs: map
    (def:
      if shorthandOnlyDefinesConfig && isAttrs def.value then { _file = def.file; config = def.value; }
      else { _file = def.file; imports = [ def.value ]; })
    defs;

  types = {
    inherit isType mkOptionType;

    # ---- basic values ----------------------------------------------------
    raw = mkOptionType { name = "raw"; description = "raw value"; descriptionClass = "noun"; merge = mergeOneOption; };
    anything = mkOptionType {
      name = "anything";
      description = "anything";
      descriptionClass = "noun";
      merge = loc: defs:
        let
          kind = v: if isAttrs v && isStringLike v then "stringCoercibleSet" else typeOf v;
          common = lib.foldl'
            (k: def: if kind def.value == k then k
              else throw "The option `${showOption loc}' has conflicting option types in ${showFiles (getFiles defs)}")
            (kind (head defs).value)
            defs;
        in
        if common == "set" then (types.attrsOf types.anything).merge loc defs
        else if common == "stringCoercibleSet" then mergeOneOption loc defs
        else if common == "lambda" then
          arg: types.anything.merge (loc ++ [ "<function body>" ]) (map (def: def // { value = def.value arg; }) defs)
        else mergeEqualOption loc defs;
    };
    unspecified = mkOptionType { name = "unspecified"; description = "unspecified value"; descriptionClass = "noun"; };

    bool = mkOptionType { name = "bool"; description = "boolean"; descriptionClass = "noun"; check = isBool; merge = mergeEqualOption; };
    boolByOr = mkOptionType {
      name = "boolByOr";
      description = "boolean (merged using or)";
      descriptionClass = "noun";
      check = isBool;
      merge = loc: defs: any (def: def.value) defs;
    };

    int = mkOptionType { name = "int"; description = "signed integer"; descriptionClass = "noun"; check = isInt; merge = mergeEqualOption; };
    ints = {
      between = lo: hi:
        assert lib.assertMsg (lo <= hi) "ints.between: lowest must be smaller than highest";
        intBetween { name = "intBetween"; description = "integer ${betweenText lo hi}"; inherit lo hi; };
      unsigned = intBetween { name = "unsignedInt"; description = "unsigned integer, meaning >=0"; lo = 0; hi = null; };
      positive = intBetween { name = "positiveInt"; description = "positive integer, meaning >0"; lo = 1; hi = null; };
      u8 = sizedInt 8 false;
      u16 = sizedInt 16 false;
      u32 = sizedInt 32 false;
      s8 = sizedInt 8 true;
      s16 = sizedInt 16 true;
      s32 = sizedInt 32 true;
    };
    port = types.ints.u16;

    float = mkOptionType { name = "float"; description = "floating point number"; descriptionClass = "noun"; check = isFloat; merge = mergeEqualOption; };
    number = types.either types.int types.float;
    numbers = {
      between = lo: hi: types.addCheck types.number (x: x >= lo && x <= hi) // {
        description = "integer or floating point number ${betweenText lo hi}";
      };
      nonnegative = types.addCheck types.number (x: x >= 0) // { description = "nonnegative integer or floating point number, meaning >=0"; };
      positive = types.addCheck types.number (x: x > 0) // { description = "positive integer or floating point number, meaning >0"; };
    };

    str = mkOptionType { name = "str"; description = "string"; descriptionClass = "noun"; check = isString; merge = mergeEqualOption; };
    nonEmptyStr = mkOptionType {
      name = "nonEmptyStr";
      description = "non-empty string";
      descriptionClass = "noun";
      check = x: isString x && match "[ \t\n]*" x == null;
      merge = mergeEqualOption;
    };
    singleLineStr = mkOptionType {
      name = "singleLineStr";
      description = "(optionally newline-terminated) single-line string";
      descriptionClass = "noun";
      check = x: isString x && match "[^\n]*\n?" x != null;
      merge = loc: defs: lib.removeSuffix "\n" (mergeEqualOption loc defs);
    };
    strMatching = pattern: mkOptionType {
      name = "strMatching ${lib.escapeNixString pattern}";
      description = "string matching the pattern ${pattern}";
      descriptionClass = "noun";
      check = x: isString x && match pattern x != null;
      merge = mergeEqualOption;
      functor = payloadFunctor "strMatching" types.strMatching pattern (a: b: if a == b then a else null);
    };
    inherit separatedString;
    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";
    passwdEntry = entryType: types.addCheck entryType (x: !(lib.hasInfix ":" x || lib.hasInfix "\n" x)) // {
      name = "passwdEntry ${entryType.name}";
      description = "${optionDescriptionPhrase (c: c == "noun") entryType}, not containing newlines or colons";
      descriptionClass = "nonRestrictiveClause";
    };

    attrs = mkOptionType {
      name = "attrs";
      description = "attribute set";
      descriptionClass = "noun";
      check = isAttrs;
      merge = loc: lib.foldl' (res: def: res // def.value) { };
      emptyValue = { value = { }; };
    };

    package = mkOptionType {
      name = "package";
      description = "package";
      descriptionClass = "noun";
      check = x: lib.isDerivation x || lib.isStorePath x;
      # A store path given as a path or a plain string becomes a package
      # (`lib.toDerivation`), so `pkg.outPath`, `pkg.name` work either way.
      merge = loc: defs:
        let value = mergeOneOption loc defs; in
        if builtins.isPath value || (isString value && !builtins.hasContext value)
        then lib.toDerivation value
        else value;
    };

    path = mkOptionType {
      name = "path";
      description = "absolute path";
      descriptionClass = "noun";
      check = x: isStringLike x && builtins.substring 0 1 (toString x) == "/";
      merge = mergeEqualOption;
    };
    pathInStore = mkOptionType {
      name = "pathInStore";
      description = "path in the Nix store";
      descriptionClass = "noun";
      check = x: isStringLike x && lib.isStorePath (toString x);
      merge = mergeEqualOption;
    };

    enum = values: mkOptionType {
      name = "enum";
      description =
        if values == [ ] then "impossible (empty enum)"
        else if length values == 1 then "value ${showEnumValue (head values)} (singular enum)"
        else "one of ${concatStringsSep ", " (map showEnumValue values)}";
      descriptionClass = if length values < 2 then "noun" else "conjunction";
      check = x: elem x values;
      merge = mergeEqualOption;
      functor = payloadFunctor "enum" types.enum values (a: b: lib.unique (a ++ b));
    };

    # ---- containers ------------------------------------------------------
    listOf = elemType: mkOptionType {
      name = "listOf";
      description = "list of ${optionDescriptionPhrase (c: c == "noun" || c == "composite") elemType}";
      descriptionClass = "composite";
      check = isList;
      checkError = containerCheckError isList;
      merge = loc: defs:
        let
          entries = concatLists (lib.imap1
            (n: def: lib.imap1
              (m: v: (mergeDefinitions (loc ++ [ "[definition ${toString n}-entry ${toString m}]" ]) elemType
                [{ inherit (def) file; value = v; }]).optionalValue)
              def.value)
            defs);
        in
        map (e: e.value) (filter (e: e ? value) entries);
      emptyValue = { value = [ ]; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: types.listOf (elemType.substSubModules m);
      functor = wrapFunctor "listOf" types.listOf elemType;
      nestedTypes.elemType = elemType;
    };
    nonEmptyListOf = elemType:
      let list = types.addCheck (types.listOf elemType) (l: l != [ ]); in
      list // {
        description = "non-empty ${optionDescriptionPhrase (c: c == "noun") list}";
        emptyValue = { };
        substSubModules = m: types.nonEmptyListOf (elemType.substSubModules m);
      };

    attrsOf = elemType: types.attrsWith { inherit elemType; };
    lazyAttrsOf = elemType: types.attrsWith { inherit elemType; lazy = true; };
    # Attribute sets of `elemType`; `lazy`: which attributes exist is known
    # without merging their definitions (an attribute whose definitions all
    # vanish under `mkIf false` fails when used instead of being left out).
    attrsWith = { elemType, lazy ? false, placeholder ? "name" }: mkOptionType {
      name = if lazy then "lazyAttrsOf" else "attrsOf";
      description = (if lazy then "lazy attribute set of " else "attribute set of ")
        + optionDescriptionPhrase (c: c == "noun" || c == "composite") elemType;
      descriptionClass = "composite";
      check = isAttrs;
      checkError = containerCheckError isAttrs;
      merge = loc: defs:
        let
          byName = zipAttrsWith (name: ds: ds)
            (map (def: mapAttrs (n: v: { inherit (def) file; value = v; }) def.value) defs);
          mergeOne = name: mergeDefinitions (loc ++ [ name ]) elemType byName.${name};
        in
        if lazy then
          mapAttrs (name: _: let m = mergeOne name; in m.optionalValue.value or elemType.emptyValue.value or m.mergedValue) byName
        else
          # Attributes whose definitions all vanished (mkIf false) are left out.
          let merged = mapAttrs (name: _: (mergeOne name).optionalValue) byName; in
          removeAttrs (mapAttrs (n: v: v.value) merged) (filter (n: !(merged.${n} ? value)) (attrNames merged));
      emptyValue = { value = { }; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<${placeholder}>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: types.attrsWith { elemType = elemType.substSubModules m; inherit lazy placeholder; };
      functor = payloadFunctor (if lazy then "lazyAttrsOf" else "attrsOf") types.attrsWith { inherit elemType lazy placeholder; }
        (a: b: let t = a.elemType.typeMerge b.elemType.functor; in
          if t == null || a.lazy != b.lazy then null else { elemType = t; inherit (a) lazy placeholder; })
        // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    nullOr = elemType: mkOptionType {
      name = "nullOr";
      description = "null or ${optionDescriptionPhrase (c: c == "noun" || c == "conjunction") elemType}";
      descriptionClass = "conjunction";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nulls = length (filter (def: def.value == null) defs); in
        if nulls == length defs then null
        else if nulls != 0 then
          throw "The option `${showOption loc}` is defined both null and not null, in ${showFiles (getFiles defs)}."
        else elemType.merge loc defs;
      emptyValue = { value = null; };
      getSubOptions = elemType.getSubOptions;
      getSubModules = elemType.getSubModules;
      substSubModules = m: types.nullOr (elemType.substSubModules m);
      functor = wrapFunctor "nullOr" types.nullOr elemType;
      nestedTypes.elemType = elemType;
    };

    either = t1: t2: let self = mkOptionType {
      name = "either";
      description = "${optionDescriptionPhrase (c: c == "noun" || c == "conjunction") t1} or ${optionDescriptionPhrase (c: c == "noun" || c == "conjunction" || c == "composite") t2}";
      descriptionClass = "conjunction";
      check = x: t1.check x || t2.check x;
      merge = loc: defs:
        let values = getValues defs; in
        if all t1.check values then t1.merge loc defs
        else if all t2.check values then t2.merge loc defs
        else throw "A definition for option `${showOption loc}' is not of type `${self.description}'. ${eitherError t1 t2 loc defs}";
      checkError = eitherError t1 t2;
      typeMerge = f':
        let m1 = t1.typeMerge f'.wrapped.left.functor; m2 = t2.typeMerge f'.wrapped.right.functor; in
        if f'.name == "either" && m1 != null && m2 != null then types.either m1 m2 else null;
      functor = defaultFunctor "either" // { wrapped = { left = t1; right = t2; }; };
      nestedTypes = { left = t1; right = t2; };
    }; in self;
    oneOf = ts:
      if ts == [ ] then throw "types.oneOf needs at least one type in its argument"
      else lib.foldl' types.either (head ts) (lib.tail ts);

    # The element type, defined at most once (`message` says why).
    unique = { message }: type: mkOptionType {
      name = "unique";
      inherit (type) description descriptionClass check emptyValue getSubOptions getSubModules;
      merge = loc: defs:
        if length defs == 1 then type.merge loc defs
        else mergeUniqueOption { inherit message; } loc defs;
      substSubModules = m: types.unique { inherit message; } (type.substSubModules m);
      functor = wrapFunctor "unique" (types.unique { inherit message; }) type;
      nestedTypes.elemType = type;
    };
    uniq = types.unique { message = ""; };

    # `finalType`, also accepting `coercedType` values, which `coerce` turns into it.
    coercedTo = coercedType: coerce: finalType:
      let coercible = x: (coercedType.check x && finalType.check (coerce x)) || finalType.check x; in
      mkOptionType {
      name = "coercedTo";
      description = "${optionDescriptionPhrase (c: c == "noun") finalType} or ${optionDescriptionPhrase (c: c == "noun") coercedType} convertible to it";
      check = coercible;
      checkError = containerCheckError coercible;
      merge = loc: defs:
        finalType.merge loc (map (def: def // { value = if coercedType.check def.value then coerce def.value else def.value; }) defs);
      emptyValue = finalType.emptyValue;
      getSubOptions = finalType.getSubOptions;
      getSubModules = finalType.getSubModules;
      substSubModules = m: types.coercedTo coercedType coerce (finalType.substSubModules m);
      typeMerge = t: null;
      functor = wrapFunctor "coercedTo" (t: types.coercedTo coercedType coerce t) finalType;
      nestedTypes = { inherit coercedType finalType; };
    };

    # Functions whose results, for the same argument, are merged as `elemType`.
    functionTo = elemType: mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${optionDescriptionPhrase (c: c == "noun" || c == "composite") elemType}";
      descriptionClass = "composite";
      check = isFunction;
      merge = loc: defs: arg:
        (mergeDefinitions (loc ++ [ "<function body>" ]) elemType
          (map (def: { inherit (def) file; value = def.value arg; }) defs)).mergedValue;
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<function body>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: types.functionTo (elemType.substSubModules m);
      functor = wrapFunctor "functionTo" types.functionTo elemType;
      nestedTypes.elemType = elemType;
    };

    # A type with an extra condition on its values.
    # A container type keeps its own type error for values it does not take at all.
    addCheck = elemType: check: elemType // {
      check = x: elemType.check x && check x;
    } // (if elemType.checkError or null == null then { } else {
      checkError = loc: defs:
        if all (def: elemType.check def.value) defs then containerCheckError check loc defs
        else elemType.checkError loc defs;
    });

    # ---- modules ---------------------------------------------------------
    submodule = modules: types.submoduleWith {
      shorthandOnlyDefinesConfig = true;
      modules = lib.toList modules;
    };

    # Values that are configurations of their own: each definition is a
    # module of an evaluation of `modules`, whose `config` is the value.
    submoduleWith =
      { modules
      , specialArgs ? { }
      , shorthandOnlyDefinesConfig ? false
      , description ? null
      , class ? null
      }@attrs:
      let
        base = lib.modules.evalModules {
          inherit class specialArgs;
          modules = [{ _module.args.name = lib.mkOptionDefault "‹name›"; }] ++ modules;
        };
        freeformType = base._module.freeformType;
        isModule = x: isAttrs x || isFunction x || builtins.isPath x || (isString x && lib.hasPrefix "/" x);
      in
      mkOptionType {
        name = "submodule";
        description =
          if description != null then description
          else if freeformType != null then "open submodule of ${freeformType.description}"
          else "submodule";
        check = isModule;
        checkError = containerCheckError isModule;
        merge = loc: defs:
          (base.extendModules {
            modules = [{ _module.args.name = lib.last loc; }] ++ definitionModules shorthandOnlyDefinesConfig defs;
            prefix = loc;
          }).config;
        emptyValue = { value = { }; };
        getSubOptions = prefix:
          (base.extendModules { inherit prefix; }).options
          // lib.optionalAttrs (freeformType != null) { _freeformOptions = freeformType.getSubOptions prefix; };
        getSubModules = modules;
        substSubModules = m: types.submoduleWith (attrs // { modules = m; });
        nestedTypes = lib.optionalAttrs (freeformType != null) { inherit freeformType; };
        functor = payloadFunctor "submodule" types.submoduleWith
          { inherit modules class specialArgs shorthandOnlyDefinesConfig description; }
          (a: b:
            if a.class != null && b.class != null && a.class != b.class then null
            else {
              modules = a.modules ++ b.modules;
              specialArgs = a.specialArgs // b.specialArgs;
              shorthandOnlyDefinesConfig = a.shorthandOnlyDefinesConfig && b.shorthandOnlyDefinesConfig;
              description = if a.description != null then a.description else b.description;
              class = if a.class != null then a.class else b.class;
            });
      };

    # A module, kept as one to be imported elsewhere: its definitions are
    # gathered as imports.
    deferredModule = types.deferredModuleWith { };
    deferredModuleWith = { staticModules ? [ ] }: mkOptionType {
      name = "deferredModule";
      description = "module";
      descriptionClass = "noun";
      check = x: isAttrs x || isFunction x || builtins.isPath x || isString x;
      merge = loc: defs: {
        imports = staticModules ++ map (def: lib.setDefaultModuleLocation "${def.file}, via option ${showOption loc}" def.value) defs;
      };
      getSubOptions = prefix: (lib.modules.evalModules { modules = staticModules; inherit prefix; }).options;
      getSubModules = null;
      substSubModules = m: types.deferredModuleWith { staticModules = m; };
      functor = payloadFunctor "deferredModuleWith" types.deferredModuleWith { inherit staticModules; }
        (a: b: { staticModules = a.staticModules ++ b.staticModules; });
    };

    # Option types themselves (as `_module.freeformType`): several
    # definitions merge when their types do.
    optionType = mkOptionType {
      name = "optionType";
      description = "optionType";
      descriptionClass = "noun";
      check = isOptionType;
      merge = loc: defs:
        if length defs == 1 then (head defs).value
        else lib.foldl'
          (t: def:
            let m = t.typeMerge def.value.functor; in
            if m == null then throw "The option `${showOption loc}' has conflicting types in ${showFiles (getFiles defs)}" else m)
          (head defs).value
          (lib.tail defs);
    };
  };
in
types // {
  inherit optionDescriptionPhrase isOptionType;
}
