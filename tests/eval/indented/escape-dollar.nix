''
  ''${not interpolated}
  $notvar
''
