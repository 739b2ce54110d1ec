[ null [ null ] { n = null; } ]
