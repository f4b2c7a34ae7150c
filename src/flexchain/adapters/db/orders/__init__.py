"""The orders store: sales orders and their lines.

:mod:`.upserts` holds the write side of intake (the batched order upsert, line writes, the
loaders of a batch and the catalog lookups kept between batches); :mod:`.views` the read side
(find, list, show, track).
"""
