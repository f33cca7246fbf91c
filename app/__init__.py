"""App layer: questions in, grounded answers out.

`api.GroundQA` is the one API every face calls; `settings`, `types` and `errors` describe it; `answer/` is the
answer engine; `evaluation` scores it on a question file; `cli/` and `web/` are the faces.
"""

__all__: list[str] = []
