let wrap = n: v: if n == 0 then v else wrap (n - 1) [ v ]; in wrap 30 1
