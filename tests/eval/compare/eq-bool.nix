[ (true == true) (true == false) (false == null) ]
