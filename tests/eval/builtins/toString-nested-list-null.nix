toString [ null [ null ] "a" ]
