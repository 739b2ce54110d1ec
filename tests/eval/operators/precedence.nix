[ (1 + 2 * 3) ((1 + 2) * 3) (10 - 2 - 3) (2 * 3 / 2) (true || false && false) (!false && false) (1 + 2 == 3) ]
