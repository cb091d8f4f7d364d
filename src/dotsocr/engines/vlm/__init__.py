"""Vision-language models behind OpenAI-compatible servers, model-agnostic.

``client`` is the transport (streaming, retries, several servers), ``loops`` cuts
repetition loops, ``loop_thread`` runs the client's event loop for a synchronous
caller, ``images`` encodes pages as data URLs; ``adapter`` is what a model adds
(request body, reading answers, geometry), ``engine`` the page policy over both,
and ``paged`` the per-page interface runners such as Ray schedule with.
"""
