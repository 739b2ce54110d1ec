let p = "/abs"; in p + "/x"
