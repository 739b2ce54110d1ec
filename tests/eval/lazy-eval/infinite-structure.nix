let xs = { head = 1; tail = xs; }; in xs.tail.tail.tail.head
