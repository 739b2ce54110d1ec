# `__overrides` in a recursive set replaces attributes, in the set and in its scope, and
# adds new ones; a non-recursive set keeps it as a plain attribute.
{
  rec-set = rec { __overrides = { a = 2; c = 5; }; a = 1; b = a; };
  empty = rec { __overrides = { }; a = 1; };
  plain = { __overrides = { a = 2; }; a = 1; };
  aliased = rec { x = 1; y = x; z = y; __overrides = { x = 10; }; };
}
