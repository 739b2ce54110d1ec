[ (true -> false) (false -> false) (false -> true) (true -> true) ]
