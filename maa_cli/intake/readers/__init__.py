"""Reading returned forms back into plain data (:class:`RawReturn`), one module per format."""
