# Lists of one or two elements are repeated only when reached through the same
# binding; a copy (function result, `if` branch, the printed top value) is new.
# Longer lists and sets stay repeated through copies.
let
  id = x: x;
  one = [ 1 ];
  two = [ 1 2 ];
  three = [ 1 2 3 ];
  set = { x = 1; };
  selfOne = [ selfOne ];
  selfTwo = [ selfTwo 1 ];
  selfThree = [ selfThree 1 2 ];
  nested = [ [ nested ] ];
in
{
  a = [ one one (id one) (if true then one else null) ];
  b = [ two two (id two) ];
  c = [ three (id three) ];
  d = [ set (id set) ];
  e = selfOne;
  f = selfTwo;
  g = selfThree;
  h = nested;
}
