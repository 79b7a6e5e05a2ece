"""One module per input format; each turns one decompressed stream into records.

A format module exposes one reader, ``read(reading, stream, prefix)`` (``prefix`` is
``"member:<name>:"`` inside an archive, else ``""``), that yields ``RawRecord`` values
and never raises for bad content. ``flows.readers.registry`` lists the formats.
"""
