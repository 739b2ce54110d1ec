assert true; assert !false; 5
