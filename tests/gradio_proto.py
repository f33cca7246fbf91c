"""The Gradio wire protocol by hand (httpx), so tests can send what a hostile client would send."""
from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx


def fn_index(c: httpx.Client, api_name: str) -> int:
    """The dependency id of the event registered with `api_name`."""
    cfg = c.get("/config").json()
    for dep in cfg["dependencies"]:
        if dep.get("api_name") == api_name:
            return int(dep["id"])
    raise KeyError(api_name)


def file_data(path: str | Path, name: str | None = None) -> dict[str, Any]:
    """A FileData payload naming `path` (any path: the server must decide whether to trust it)."""
    return {"path": str(path), "orig_name": name or Path(path).name, "meta": {"_type": "gradio.FileData"}}


def upload(c: httpx.Client, name: str, data: bytes) -> str:
    """POST one file to /gradio_api/upload the way the browser does; returns the server path it got."""
    r = c.post("/gradio_api/upload", files=[("files", (name, data, "application/octet-stream"))])
    r.raise_for_status()
    return r.json()[0]


def call(c: httpx.Client, api_name: str, data: list[Any], session: str | None = None) -> dict[str, Any]:
    """Run one event through the queue (in `session`, else a new one); returns the `process_completed` message."""
    session = session or secrets.token_hex(6)
    body = {"data": data, "fn_index": fn_index(c, api_name), "session_hash": session, "event_data": None,
            "trigger_id": None}
    r = c.post("/gradio_api/queue/join", content=json.dumps(body).encode(),  # NaN/Infinity allowed: hostile values
               headers={"content-type": "application/json"})
    r.raise_for_status()
    with c.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg.get("msg") == "process_completed":
                return msg
    raise AssertionError("the event stream ended without process_completed")
