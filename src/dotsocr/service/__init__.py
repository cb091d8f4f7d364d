"""``dotsocr api``: the HTTP service (``dotsocr[api]``): uploads become jobs kept in
SQLite, run through the same run layer as ``dotsocr parse``, and their files are
served back; a web page at ``/`` drives it from a browser."""
