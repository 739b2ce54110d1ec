let f = { x ? 1 }: x; in [ (f { }) (f { x = 2; }) ]
