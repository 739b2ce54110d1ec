rec { a = a + 1; }.a
