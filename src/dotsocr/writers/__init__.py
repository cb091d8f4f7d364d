"""Output writers: each turns a Page or Document into the files of one format.

The store loops over the writers a run chose (``--to``); a new format is one
module with a :class:`~dotsocr.writers.base.Writer` subclass plus one line in
:mod:`dotsocr.writers.registry`.
"""
