"""What pyproject.toml cannot say yet without an experimental table: perito's C extensions.

Both are optional: where no C compiler is found the build goes on, and perito runs the same
code in Python (the results are the same; only slower).

- `perito._fasttime` (src/perito/_fasttime.c): the common case of the time decoders.
- `perito._fastrecords` (src/perito/_fastrecords.c): records set through their slots.
- `perito.indicators._fastmatch` (src/perito/indicators/_fastmatch.c): the loop over a
  record's observable values that skips those already known to match nothing.
- `perito.output._fasttimeline` (src/perito/output/_fasttimeline.c): `Timeline.add`.
- `perito.sources._fastmbfile` (src/perito/sources/_fastmbfile.c): the usual MBFile blob of
  Manifest.db; anything else is left to the Python reader.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("perito._fasttime", ["src/perito/_fasttime.c"], optional=True),
    Extension("perito._fastrecords", ["src/perito/_fastrecords.c"], optional=True),
    Extension("perito.indicators._fastmatch", ["src/perito/indicators/_fastmatch.c"],
              optional=True),
    Extension("perito.output._fasttimeline", ["src/perito/output/_fasttimeline.c"],
              optional=True),
    Extension("perito.sources._fastmbfile", ["src/perito/sources/_fastmbfile.c"],
              optional=True),
])
