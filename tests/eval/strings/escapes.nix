"tab\there\nnewline\rcr \\ backslash \" quote \$ dollar"
