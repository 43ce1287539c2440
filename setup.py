"""What pyproject.toml cannot say yet without an experimental table: perito's one C extension.

`perito._fasttime` (src/perito/_fasttime.c) is the common case of the time decoders,
compiled. It is optional: where no C compiler is found the build goes on, and perito runs the
same decoders in Python (the results are the same; only slower).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("perito._fasttime", ["src/perito/_fasttime.c"], optional=True)])
