"""maa — multi-agency audit toolkit.

The library is usable from Python; the ``maa`` command is a thin layer over it.
"""

__version__ = "0.1.0"
