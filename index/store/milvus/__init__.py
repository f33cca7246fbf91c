"""The Milvus backend: the whole index in a Milvus database (a server, or a Milvus Lite file) as immutable
segments listed by a published manifest (see schema.py); `open_store` in index/store/backend.py opens it."""
