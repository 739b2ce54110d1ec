# Printing Nix values as Nix source, for messages (`toPretty`): the
# definitions an option error shows are printed with it.
{ lib }:
let
  inherit (builtins) attrNames concatStringsSep functionArgs isAttrs isBool isFloat isFunction
    isInt isList isPath isString length map replaceStrings;

  # Strings with line breaks print as indented '' strings; the closing ''
  # follows the last line, or sits on its own line when the text ends with
  # a newline.
  multilineString = indent: s:
    let
      lines = lib.splitString "\n" (replaceStrings [ "\${" "''" ] [ "''\${" "'''" ] s);
      intro = "\n" + indent + "  ";
      lastLine = lib.last lines;
    in
    "''" + intro + concatStringsSep intro (lib.init lines)
    + (if lastLine == "" then "\n" + indent else intro + lastLine) + "''";

  showFunction = f:
    let args = functionArgs f; in
    if args == { } then "<function>"
    else "<function, args: {${concatStringsSep ", " (map (n: if args.${n} then "${n}?" else n) (attrNames args))}}>";

  pretty = indent: v:
    let
      inner = indent + "  ";
      intro = "\n" + inner;
      outro = "\n" + indent;
    in
    if isInt v then toString v
    else if isFloat v then builtins.toJSON v
    else if isString v then
      (if lib.hasInfix "\n" v then multilineString indent v
      else "\"" + replaceStrings [ "\\" "\"" "\${" ] [ "\\\\" "\\\"" "\\\${" ] v + "\"")
    else if isBool v then lib.boolToString v
    else if v == null then "null"
    else if isPath v then toString v
    else if isFunction v then showFunction v
    else if isList v then
      (if v == [ ] then "[ ]" else "[" + intro + concatStringsSep intro (map (pretty inner) v) + outro + "]")
    else if isAttrs v then
      (if (v.type or null) == "derivation" then "<derivation ${v.name or "???"}>"
      else if v == { } then "{ }"
      else "{" + intro + concatStringsSep intro
        (map (n: "${lib.escapeNixIdentifier n} = ${pretty inner v.${n}};") (attrNames v)) + outro + "}")
    else "<${builtins.typeOf v}>";
in
{
  # The value as Nix source, several lines for lists and attribute sets.
  toPretty = { }: pretty "";
}
