"""Bad inputs at every public entry point, each refused with an error that names
the field, id, file or line at fault (see :mod:`tests.fuzz.framework`)."""
