"""The local backend: an index in a folder — atomic generations of SQLite tables, FAISS vectors and BM25
files (index/builder.py writes them; `open_store` in index/store/backend.py opens them)."""
