# A broad sample of nixpkgs' lib (../shared/nixpkgs-lib), evaluated by xnix and by Nix 2.8
# and compared (crates/xnix/tests/nixpkgs_lib_differential.rs). `lib` is nixpkgs' lib.
lib:
with lib;
{
  trivial = {
    id = id 1;
    const = const 1 2;
    pipe = pipe 2 [ (x: x * 3) (x: x + 1) toString ];
    flip = flip sub 1 10;
    mod = [ (mod 7 3) (mod (-7) 3) ];
    min = min 3 4;
    boolToString = boolToString true;
    compare = [ (compare 1 2) (compare "b" "a") (compare 3 3) ];
    splitByAndCompare = splitByAndCompare (hasPrefix "a") compare compare "ab" "b";
    functionArgs = functionArgs ({ a, b ? 1 }: a);
    setFunctionArgs = functionArgs (setFunctionArgs (x: x) { q = true; });
    toHexString = map toHexString [ 0 255 4096 123456789 ];
    toBaseDigits = toBaseDigits 3 100;
    inPureEvalMode = isBool inPureEvalMode;
    version = isString version;
    warnIf = warnIf false "never" 5;
    throwIfNot = throwIfNot true "never" 6;
    importJSON = importJSON ./sample.json;
    importTOML = importTOML ./sample.toml;
  };
  lists = {
    foldr = foldr (a: b: "(${a} ${b})") "z" [ "a" "b" "c" ];
    foldl = foldl (a: b: "(${a} ${b})") "z" [ "a" "b" "c" ];
    imap1 = imap1 (i: v: "${toString i}${v}") [ "a" "b" ];
    concatMap = concatMap (x: [ x x ]) [ 1 2 ];
    flatten = flatten [ 1 [ 2 [ 3 [ ] ] ] [ [ 4 ] ] ];
    remove = remove 3 [ 1 3 2 3 ];
    findSingle = findSingle (x: x > 2) "none" "many" [ 1 3 ];
    findFirst = findFirst (x: x > 1) null [ 1 2 3 ];
    findFirstIndex = lists.findFirstIndex (x: x > 1) null [ 1 2 3 ];
    any = any isString [ 1 "a" ];
    count = count (x: x == 1) [ 1 2 1 ];
    optionals = optionals true [ 1 ] ++ optional false 2;
    toList = [ (toList 1) (toList [ 2 ]) ];
    range = range 3 7;
    replicate = replicate 3 "x";
    partition = partition (x: x > 2) [ 1 3 2 4 ];
    groupBy = groupBy (x: if x > 2 then "big" else "small") [ 1 3 2 4 ];
    groupBy' = groupBy' builtins.add 0 (x: if x > 2 then "big" else "small") [ 1 3 2 4 ];
    zipListsWith = zipListsWith (a: b: a + b) [ 1 2 3 ] [ 10 20 ];
    reverseList = reverseList [ 1 2 3 ];
    listDfs = listDfs true (a: b: a == b - 1) [ 3 1 2 ];
    toposort = toposort (a: b: a < b) [ 3 1 2 ];
    sort = sort lessThan [ 3 1 2 ];
    sortOn = sortOn stringLength [ "ccc" "a" "bb" ];
    naturalSort = naturalSort [ "a10" "a2" "a1" ];
    compareLists = compareLists compare [ 1 2 ] [ 1 3 ];
    take = take 2 [ 1 2 3 ];
    drop = drop 2 [ 1 2 3 ];
    sublist = sublist 1 2 [ 1 2 3 4 ];
    commonPrefix = lists.commonPrefix [ 1 2 3 ] [ 1 2 4 ];
    last = last [ 1 2 3 ];
    init = init [ 1 2 3 ];
    crossLists = mapCartesianProduct ({ a, b }: a + b) { a = [ 1 2 ]; b = [ 10 20 ]; };
    unique = unique [ 1 2 1 3 2 ];
    allUnique = allUnique [ 1 2 1 ];
    intersectLists = intersectLists [ 1 2 3 ] [ 2 3 4 ];
    subtractLists = subtractLists [ 1 2 ] [ 1 2 3 4 ];
    mutuallyExclusive = mutuallyExclusive [ 1 ] [ 2 ];
    ifilter0 = ifilter0 (i: v: i == 0 || v > 2) [ 1 2 3 ];
    replaceElemAt = replaceElemAt [ 1 2 3 ] 1 9;
  };
  strings = {
    concatStrings = concatStrings [ "a" "b" ];
    concatMapStrings = concatMapStrings (x: x + x) [ "a" "b" ];
    concatImapStrings = concatImapStrings (i: x: "${toString i}${x}") [ "a" "b" ];
    intersperse = intersperse "," [ "a" "b" "c" ];
    concatStringsSep = concatStringsSep "/" [ "usr" "local" ];
    concatMapStringsSep = concatMapStringsSep "-" toUpper [ "a" "b" ];
    concatLines = concatLines [ "a" "b" ];
    makeSearchPath = makeSearchPath "bin" [ "/a" "/b" ];
    makeBinPath = makeBinPath [ "/x" ];
    optionalString = optionalString true "yes" + optionalString false "no";
    hasPrefix = hasPrefix "foo" "foobar";
    hasSuffix = hasSuffix "bar" "foobar";
    hasInfix = hasInfix "ob" "foobar";
    stringToCharacters = stringToCharacters "abc";
    stringAsChars = stringAsChars (c: if c == "a" then "A" else c) "banana";
    escape = escape [ "(" ")" ] "(foo)";
    escapeShellArg = escapeShellArg "it's";
    escapeShellArgs = escapeShellArgs [ "a b" "c" ];
    escapeNixString = strings.escapeNixString "a\"b$c";
    escapeRegex = escapeRegex "a.b*c";
    escapeNixIdentifier = map strings.escapeNixIdentifier [ "foo" "foo-bar" "1a" ];
    escapeXML = escapeXML "<a href=\"x\">&'</a>";
    toLower = toLower "AbC";
    toUpper = toUpper "AbC";
    toSentenceCase = toSentenceCase "hELLO";
    addContextFrom = addContextFrom "a" "b";
    splitString = splitString "," "a,b,,c";
    removePrefix = removePrefix "foo" "foobar";
    removeSuffix = removeSuffix "bar" "foobar";
    versionOlder = versionOlder "1.2" "1.10";
    versionAtLeast = versionAtLeast "2.0" "2.0";
    getName = getName "hello-2.12.1";
    getVersion = getVersion "hello-2.12.1";
    nameFromURL = nameFromURL "http://example.org/foo-1.0.tar.gz" "-";
    enableFeature = enableFeature true "ssl";
    enableFeatureAs = enableFeatureAs true "ssl" "openssl";
    withFeature = withFeature false "x";
    mesonOption = mesonOption "a" "b";
    mesonBool = mesonBool "a" true;
    cmakeBool = cmakeBool "A" false;
    cmakeFeature = cmakeFeature "A" "b";
    fixedWidthString = fixedWidthString 5 "0" "42";
    fixedWidthNumber = fixedWidthNumber 4 7;
    floatToString = strings.floatToString 0.5;
    isStorePath = isStorePath "/nix/store/d945ibfx9x185xf04b890y4f9g3cbb63-python-2.7.11";
    toInt = toInt "42";
    toIntBase10 = toIntBase10 "0042";
    normalizePath = strings.normalizePath "a//b///c";
    trim = trim "  x y  ";
    levenshtein = strings.levenshtein "kitten" "sitting";
    commonPrefixLength = strings.commonPrefixLength "foobar" "fooqux";
    levenshteinAtMost = strings.levenshteinAtMost 2 "abc" "abd";
    replaceStrings = replaceStrings [ "a" ] [ "b" ] "aXa";
    sanitizeDerivationName = strings.sanitizeDerivationName "../foo bar";
    toShellVar = toShellVar "x" [ "a" "b c" ];
    toShellVars = toShellVars { a = "1"; b = { c = "d"; }; };
    isConvertibleWithToString = strings.isConvertibleWithToString [ 1 "a" ];
    isStringLike = [ (isStringLike "a") (isStringLike 1) ];
    charToInt = strings.charToInt "A";
    splitStringBy = isFunction (strings.splitStringBy or null);
  };
  attrsets = {
    attrByPath = attrByPath [ "a" "b" ] 0 { a.b = 1; };
    hasAttrByPath = hasAttrByPath [ "a" "c" ] { a.b = 1; };
    setAttrByPath = setAttrByPath [ "a" "b" ] 1;
    getAttrFromPath = getAttrFromPath [ "a" "b" ] { a.b = 2; };
    updateManyAttrsByPath = updateManyAttrsByPath [ { path = [ "a" "b" ]; update = old: old + 1; } ] { a.b = 1; };
    attrVals = attrVals [ "a" "b" ] { a = 1; b = 2; c = 3; };
    catAttrs = catAttrs "a" [ { a = 1; } { b = 2; } { a = 3; } ];
    filterAttrs = filterAttrs (n: v: v > 1) { a = 1; b = 2; };
    filterAttrsRecursive = filterAttrsRecursive (n: v: v != null) { a = null; b = { c = null; d = 1; }; };
    foldlAttrs = foldlAttrs (acc: n: v: acc ++ [ n v ]) [ ] { b = 2; a = 1; };
    foldAttrs = foldAttrs (n: a: [ n ] ++ a) [ ] [ { a = 2; } { a = 3; b = 1; } ];
    collect = collect isInt { a = 1; b = { c = 2; d = "x"; }; };
    cartesianProduct = cartesianProduct { a = [ 1 2 ]; b = [ "x" ]; };
    nameValuePair = nameValuePair "a" 1;
    mapAttrs' = mapAttrs' (n: v: nameValuePair "p${n}" (v * 2)) { a = 1; };
    mapAttrsToList = mapAttrsToList (n: v: "${n}=${toString v}") { b = 2; a = 1; };
    attrsToList = attrsToList { b = 2; a = 1; };
    mapAttrsRecursive = mapAttrsRecursive (path: v: concatStringsSep "." path) { a.b = 1; c = 2; };
    mapAttrsRecursiveCond = mapAttrsRecursiveCond (as: !(as ? stop)) (p: v: v) { a = { stop = 1; }; };
    genAttrs = genAttrs [ "a" "b" ] (n: "x${n}");
    isDerivation = isDerivation { type = "derivation"; };
    toDerivation = (toDerivation "/nix/store/d945ibfx9x185xf04b890y4f9g3cbb63-python-2.7.11").name;
    optionalAttrs = optionalAttrs true { a = 1; };
    zipAttrsWithNames = zipAttrsWithNames [ "a" ] (n: vs: vs) [ { a = 1; } { a = 2; b = 3; } ];
    zipAttrs = zipAttrs [ { a = 1; } { a = 2; b = 3; } ];
    recursiveUpdate = recursiveUpdate { a.b = 1; a.c = 2; } { a.b = 3; d = 4; };
    recursiveUpdateUntil = recursiveUpdateUntil (path: l: r: path == [ "a" ]) { a.b = 1; } { a.c = 2; };
    matchAttrs = matchAttrs { a.b = 1; } { a.b = 1; c = 2; };
    overrideExisting = overrideExisting { a = 1; } { a = 2; b = 3; };
    showAttrPath = showAttrPath [ "a" "b-c" "1" ];
    getOutput = getOutput "dev" { outputs = [ "out" ]; out = "o"; outPath = "o"; };
    unionOfDisjoint = attrsets.unionOfDisjoint { a = 1; } { b = 2; };
    concatMapAttrs = concatMapAttrs (n: v: { ${n} = v; "${n}2" = v; }) { a = 1; };
    mergeAttrsList = mergeAttrsList [ { a = 1; } { b = 2; } { a = 3; } ];
    dontRecurseIntoAttrs = dontRecurseIntoAttrs { a = 1; };
    recurseIntoAttrs = recurseIntoAttrs { a = 1; };
    chooseDevOutputs = length (chooseDevOutputs [ ]);
    longestValidPathPrefix = attrsets.longestValidPathPrefix [ "a" "b" "c" ] { a.b = 1; };
  };
  fixedPoints = {
    fix = (fix (self: { a = 1; b = self.a + 1; })).b;
    extends = (fix (extends (final: prev: { b = prev.b * 10; }) (self: { a = 1; b = self.a + 1; }))).b;
    composeExtensions = (fix (extends (composeExtensions (f: p: { a = p.a + 1; }) (f: p: { a = p.a * 2; })) (self: { a = 1; }))).a;
    makeExtensible = ((makeExtensible (self: { a = 1; b = self.a; })).extend (f: p: { a = 5; })).b;
    toExtension = (fix (extends (toExtension { a = 2; }) (self: { a = 1; }))).a;
  };
  versions = {
    splitVersion = versions.splitVersion "1.2.3-rc4";
    major = versions.major "1.2.3";
    minor = versions.minor "1.2.3";
    patch = versions.patch "1.2.3";
    majorMinor = versions.majorMinor "1.2.3";
    pad = versions.pad 4 "1.2";
  };
  generators = {
    toKeyValue = generators.toKeyValue { } { a = 1; b = "x"; };
    toINI = generators.toINI { } { sec = { a = 1; b = true; }; };
    toGitINI = generators.toGitINI { user = { name = "x"; }; core.editor = "vi"; };
    toJSON = generators.toJSON { } { a = [ 1 2 ]; };
    toYAML = generators.toYAML { } { a = 1; };
    toPretty = generators.toPretty { } { a = [ 1 "x" null true ]; b.c = 2.5; f = x: x; };
    toPlist = generators.toPlist { } { a = 1; b = [ "x" ]; };
    toDhall = generators.toDhall { } { a = 1; b = [ "x" ]; c = true; };
    toLua = generators.toLua { } { a = 1; b = [ "x" ]; c = true; };
    mkLuaInline = generators.toLua { } (generators.mkLuaInline "foo()");
    toINIWithGlobalSection = generators.toINIWithGlobalSection { } { globalSection = { x = 1; }; sections = { s = { y = 2; }; }; };
  };
  cli = {
    toGNUCommandLine = cli.toGNUCommandLine { } { verbose = true; o = "file"; n = 3; l = [ 1 2 ]; };
    toGNUCommandLineShell = cli.toGNUCommandLineShell { } { a = "x y"; };
  };
  meta = {
    platformMatch = meta.platformMatch (systems.elaborate "aarch64-linux") "aarch64-linux";
    availableOn = meta.availableOn (systems.elaborate "x86_64-linux") { meta.platforms = [ "x86_64-linux" ]; };
    getExe = meta.getExe' { type = "derivation"; outPath = "/p"; } "prog";
    licenses = licenses.mit.spdxId;
  };
  filesystem = {
    listFilesRecursive = map baseNameOf (filesystem.listFilesRecursive ./.);
  };
  path = {
    append = toString (path.append /a "b/c");
    subpath = path.subpath.join [ "a" "./b" ];
    components = path.subpath.components "./a/b";
    hasPrefix = path.hasPrefix /a /a/b;
    removePrefix = path.removePrefix /a /a/b/c;
    splitRoot = toString (path.splitRoot /a/b).root;
  };
  asserts = {
    assertOneOf = asserts.assertOneOf "x" "a" [ "a" "b" ];
    assertEachOneOf = asserts.assertEachOneOf "x" [ "a" ] [ "a" "b" ];
  };
  types = {
    names = map (t: t.name) [ types.int types.str types.bool (types.listOf types.int) (types.attrsOf types.str) (types.nullOr types.port) (types.enum [ "a" ]) ];
    descriptions = map (t: t.description) [ (types.listOf (types.attrsOf types.int)) (types.either types.int types.str) (types.nullOr (types.enum [ "a" "b" ])) types.ints.positive types.ints.u8 ];
    checks = [ (types.int.check 1) (types.str.check 1) (types.port.check 70000) ((types.ints.between 1 3).check 2) ];
  };
  options = {
    mkEnableOption = removeAttrs (mkEnableOption "thing") [ "_type" "type" ];
    showOption = showOption [ "a" "b.c" "<name>" ];
    showFiles = showFiles [ "/a" "/b" ];
  };
  systems = {
    doubles = length systems.doubles.all;
    parse = systems.parse.tripleFromSystem (systems.parse.mkSystemFromString "aarch64-unknown-linux-gnu");
    examples = mapAttrs (n: v: v.config) systems.examples;
    inspectPatterns = attrNames systems.inspect.patterns;
    elaborated = mapAttrs (n: v: let p = systems.elaborate v; in {
      inherit (p) config system libc isStatic is64bit isLinux isDarwin isWindows useLLVM linuxArch qemuArch;
      double = systems.parse.doubleFromSystem p.parsed;
      canExecuteSelf = p.canExecute p;
    }) (removeAttrs systems.examples [ "mips64el-linux-gnuabin32" "mips64-linux-gnuabin32" "mipsel-linux-gnu" "mips-linux-gnu" "mips-embedded" "mips64-embedded" "mips64el-linux-gnuabi64" "mips64-linux-gnuabi64" ]);
  };
  modules = (evalModules {
    modules = [
      ({ lib, config, ... }: {
        options.a = lib.mkOption { type = lib.types.int; default = 1; };
        options.b = lib.mkOption { type = lib.types.listOf lib.types.str; };
        options.c = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { options.x = lib.mkOption { type = lib.types.int; default = 0; }; }); };
        config.b = lib.mkMerge [ [ "x" ] (lib.mkBefore [ "first" ]) (lib.mkIf (config.a > 0) [ "ifd" ]) ];
        config.c.foo.x = lib.mkDefault 3;
      })
      { a = lib.mkForce 7; c.foo.x = 4; c.bar = { }; }
    ];
  }).config;
}
