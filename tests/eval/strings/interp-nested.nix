let a = "x"; b = "y"; in "1${a + "2${b}3"}4"
