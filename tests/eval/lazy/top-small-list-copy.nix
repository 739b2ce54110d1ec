# The printed top value is a copy, so a self-referencing one-element list
# shows one extra level before «repeated».
let a = [ a ]; in a
