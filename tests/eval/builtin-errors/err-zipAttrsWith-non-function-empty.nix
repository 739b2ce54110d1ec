# zipAttrsWith forces its function first, even when there is nothing to zip.
builtins.zipAttrsWith 1 [ ]
