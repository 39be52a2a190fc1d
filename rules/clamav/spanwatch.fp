# False-positive allowlist by whole-file MD5. Format: MD5:FileSize:Name (the .hdb format).
# A file whose MD5 and size match is reported clean whatever signature matched it.
# Generate a line with: sigtool --md5 FILE
#
# testdata/eicar-note.txt (319 bytes) is a harmless note that names the EICAR marker string, so the
# YARA rule SpanWatch_Test_EICAR_Yara matches it. This entry allowlists exactly that file and
# nothing else (never allowlist a hash every file could have, such as the empty file's).
53c3a7448fd79f07a5e98d56d8a413d9:319:SpanWatch.FP.TestdataEicarNote
