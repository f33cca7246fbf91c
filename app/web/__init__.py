"""The web faces: the server (`server`), the HTTP JSON API (`http_api`), HTML rendering (`html`) and the
Gradio app (`ui/`, one module per tab). Importing this package imports neither FastAPI nor Gradio."""

__all__: list[str] = []
