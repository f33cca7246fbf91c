"""Export a local sentence-transformers model (the packaged MiniLM by default) to ONNX, locally.

    export_onnx(model_dir, precision="int8") -> cache directory holding model.onnx + tokenizer.json

Steps: load the Hugging Face transformer from disk (torch, never a hub), wrap it with mean pooling and
L2 normalisation, `torch.onnx.export` it, fuse attention/LayerNorm/GELU with onnxruntime's transformer
optimiser, and for int8 quantise most MatMul weights dynamically (per channel; activations are
quantised on the fly; see export_onnx for which stay fp32 and why). The result goes into the user
cache (`cache_dir()`: $GROUNDQA_CACHE, else $XDG_CACHE_HOME/groundqa, else ~/.cache/groundqa) under
models/<name>-onnx-<precision>-<key>, written to a temporary folder and renamed into place, so concurrent or
interrupted exports never leave a half-written model. The key (`export_key`) is a hash of the model files'
contents, the onnxruntime version and the export recipe: every environment with the same model and runtime
finds the same export (two virtual environments install the same wheel at different times: a key of file
times made each re-export over the other's), and one with another runtime gets its own folder beside it.

Needs torch and transformers (once, for the export) plus onnx and onnxruntime (all core dependencies).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from index.embed.onnx import META_FILE, MODEL_FILE, TOKENIZER_FILE

PRECISIONS = ("fp32", "int8")
EXPORT_VERSION = 3  # bump when the export recipe changes: cached exports are redone


def cache_dir() -> Path:
    """groundqa's user cache folder (created on demand)."""
    env = os.environ.get("GROUNDQA_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "groundqa"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._") or "model"


def export_dir(name: str, precision: str, key: str = "") -> Path:
    """Where the export of model `name` at `precision` with cache key `key` (export_key) lives in the cache."""
    return cache_dir() / "models" / (f"{_safe(name)}-onnx-{precision}" + (f"-{key}" if key else ""))


def export_dirs(name: str) -> list[Path]:
    """Every cached export of model `name` (any precision, key or runtime)."""
    return sorted((cache_dir() / "models").glob(f"{_safe(name)}-onnx-*"))


def runtime_version() -> str:
    """The onnxruntime version the export is made for and run with ("-" when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    for dist in ("onnxruntime", "onnxruntime-gpu", "onnxruntime-openvino"):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return "-"


def fingerprint(model_dir: Path) -> str:
    """Identity of a model directory's contents: names and bytes of its files, plus the recipe version."""
    h = hashlib.blake2b(digest_size=12)
    h.update(f"v{EXPORT_VERSION}".encode())
    for p in sorted(Path(model_dir).rglob("*")):
        if p.is_file() and p.suffix in (".json", ".safetensors", ".bin", ".txt"):
            h.update(f"{p.relative_to(model_dir).as_posix()}:{_content_hash(p)}".encode())
    return h.hexdigest()


def export_key(model_dir: Path, precision: str) -> str:
    """The cache key of an export: the model's contents (fingerprint), the precision, the onnxruntime version."""
    h = hashlib.blake2b(f"{fingerprint(model_dir)}:{precision}:ort-{runtime_version()}".encode(), digest_size=8)
    return h.hexdigest()


def _content_hash(p: Path) -> str:
    """blake2b of a file's bytes, remembered by the file's (size, mtime, inode) in the cache so an `ask` does not
    hash 90 MB of weights each time it starts (the hash is of the content; the times only say when to redo it)."""
    st = p.stat()
    stamp = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"
    memo_file = cache_dir() / "content-hashes.json"
    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    entry = memo.get(str(p.resolve()))
    if isinstance(entry, list) and len(entry) == 2 and entry[0] == stamp:
        return str(entry[1])
    h = hashlib.blake2b(digest_size=16)
    with open(p, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    memo[str(p.resolve())] = [stamp, digest]
    try:
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo_file.with_name(f".{memo_file.name}.{os.getpid()}")
        tmp.write_text(json.dumps(memo))
        os.replace(tmp, memo_file)  # atomic: a concurrent writer's whole file or ours, never a mix
    except OSError:
        pass  # a read-only cache: hash again next time
    return digest


def cached_export(name: str, model_dir: Path, precision: str) -> Path | None:
    """The cached export directory for `model_dir`'s contents and this onnxruntime, if it exists."""
    key = export_key(model_dir, precision)
    d = export_dir(name, precision, key)
    try:
        meta = json.loads((d / META_FILE).read_text())
    except (OSError, ValueError):
        return None
    if meta.get("export_key") != key or not (d / MODEL_FILE).exists():
        return None
    return d


def _st_config(model_dir: Path) -> tuple[int, bool]:
    """(max_seq_length, normalize) from a sentence-transformers folder; mean pooling is required."""
    max_len = 256
    try:
        max_len = int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        pass
    normalize = True
    try:
        mods = json.loads((model_dir / "modules.json").read_text())
        types = [m["type"] for m in mods]
        normalize = any(t.endswith("Normalize") for t in types)
        for m in mods:
            if m["type"].endswith("Pooling"):
                pool = json.loads((model_dir / m["path"] / "config.json").read_text())
                if not pool.get("pooling_mode_mean_tokens") or any(
                        pool.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                              "pooling_mode_mean_sqrt_len_tokens")):
                    raise ValueError("only mean-pooling sentence-transformers models can be exported to ONNX here")
            elif not m["type"].endswith(("Transformer", "Pooling", "Normalize")):
                raise ValueError(f"module {m['type']} is not supported by the ONNX export")
    except OSError:
        pass
    return max_len, normalize


def export_onnx(model_dir: str | Path, name: str, precision: str = "int8") -> Path:
    """Export (once) and return the cache directory of `model_dir` at `precision` ('fp32' or 'int8')."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}")
    model_dir = Path(model_dir)
    done = cached_export(name, model_dir, precision)
    if done is not None:
        return done
    key = export_key(model_dir, precision)
    target = export_dir(name, precision, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    _drop_stale_work(target)
    import logging

    root = logging.getLogger()
    root_handlers = list(root.handlers)
    root_level = _quiet()
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        t0 = time.perf_counter()
        dim, max_len, heads, hidden = _export_fp32(model_dir, work / "raw.onnx")
        _optimize(work / "raw.onnx", work / "opt.onnx", heads, hidden)
        if precision == "int8":
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # int8 for the attention-output and feed-forward-up MatMuls only. Kept in fp32: the fused
            # Attention (Q/K/V) and the feed-forward down-projections, whose post-GELU inputs have
            # outliers. Measured on covid-qa-dev: mean cosine to fp32 0.998 (0.992 quantising every
            # MatMul), gold hit@5 within 0.4 points of torch (-1.7 points quantising every MatMul),
            # still ~3x torch fp32 throughput. Fused operators live in the com.microsoft domain, where
            # shape inference cannot type every tensor: tell the quantiser they are float.
            model = onnx.load(str(work / "opt.onnx"))
            keep_fp32 = [n.name for n in model.graph.node if n.op_type == "MatMul" and _is_ffn_down(n.name)]
            del model
            quantize_dynamic(str(work / "opt.onnx"), str(work / MODEL_FILE), per_channel=True,
                             weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                             nodes_to_exclude=keep_fp32,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        else:
            os.replace(work / "opt.onnx", work / MODEL_FILE)
        for f in ("raw.onnx", "raw.onnx.data", "opt.onnx"):
            (work / f).unlink(missing_ok=True)
        shutil.copy2(model_dir / TOKENIZER_FILE, work / TOKENIZER_FILE)
        (work / META_FILE).write_text(json.dumps({
            "name": name, "dim": dim, "max_seq_length": max_len, "precision": precision,
            "source": str(model_dir), "fingerprint": fingerprint(model_dir), "export_key": key,
            "onnxruntime": runtime_version(),
            "export_seconds": round(time.perf_counter() - t0, 1), "export_version": EXPORT_VERSION,
        }, indent=2))
        # Replace atomically; a concurrent exporter that won the race leaves an equivalent copy (same key).
        if target.exists():
            old = target.with_name(target.name + f".old-{os.getpid()}")
            os.replace(target, old)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
        # onnxruntime.quantization calls logging.basicConfig() on import: undo it, or every library's
        # debug records would start reaching the user's terminal.
        for h in list(root.handlers):
            if h not in root_handlers:
                root.removeHandler(h)
        root.setLevel(root_level)
    return target


STALE_WORK_S = 3600


def _drop_stale_work(target: Path) -> None:
    """Delete work folders of exports of `target` that were killed (SIGKILL skips `finally`) over an hour ago.

    They are hidden (`.<name>-XXXX`) and never read, so they only cost disk space; a younger one may
    belong to an export running in another process right now."""
    for d in target.parent.glob(f".{target.name}-*"):
        try:
            if d.is_dir() and time.time() - d.stat().st_mtime > STALE_WORK_S:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def _is_ffn_down(node: str) -> bool:
    """Whether a MatMul of the exported BERT graph is a feed-forward down-projection (layer.N/output/dense)."""
    return "/output/dense" in node and "/attention/" not in node


def _quiet() -> int:
    """Keep the exporters' progress bars, tracer warnings and quantiser hints off the user's terminal.

    Returns the root logger's level, which the caller restores."""
    import logging
    import warnings

    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore", module=r"(torch|transformers|onnxruntime|onnx)(\..*)?$")
    level = logging.getLogger().level
    logging.getLogger().setLevel(max(level, logging.ERROR))
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 - cosmetics only
        pass
    return level


def _export_fp32(model_dir: Path, out: Path) -> tuple[int, int, int, int]:
    """torch.onnx.export of transformer + mean pooling (+ normalisation).

    Returns (embedding dim, max_seq_length, attention heads, hidden size)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    max_len, normalize = _st_config(model_dir)
    if not (model_dir / TOKENIZER_FILE).exists():
        raise ValueError(f"{model_dir} has no {TOKENIZER_FILE} (a fast tokenizer is needed for the ONNX encoder)")
    hf = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")
    hf.eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = hf

        def forward(self, input_ids, attention_mask):  # noqa: D401 - torch signature
            h = self.m(input_ids=input_ids, attention_mask=attention_mask,
                       token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            w = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * w).sum(1) / w.sum(1).clamp(min=1e-9)
            if normalize:
                v = v / v.norm(dim=-1, keepdim=True).clamp(min=1e-12)
            return v

    wrapped = Pooled().eval()
    ids = torch.ones((2, 16), dtype=torch.int64)
    mask = torch.ones((2, 16), dtype=torch.int64)
    with torch.no_grad():
        dim = int(wrapped(ids, mask).shape[-1])
        torch.onnx.export(wrapped, (ids, mask), str(out), input_names=["input_ids", "attention_mask"],
                          output_names=["sentence_embedding"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "sentence_embedding": {0: "batch"}})
    cfg = hf.config
    return dim, max_len, int(getattr(cfg, "num_attention_heads", 0)), int(getattr(cfg, "hidden_size", 0))


def _optimize(src: Path, dst: Path, heads: int, hidden: int) -> None:
    """Fuse attention, LayerNorm and GELU (onnxruntime's BERT optimiser); falls back to a plain copy."""
    import onnx

    try:
        from onnxruntime.transformers import optimizer

        opt = optimizer.optimize_model(str(src), model_type="bert", num_heads=heads, hidden_size=hidden)
        opt.save_model_to_file(str(dst))
    except Exception:  # an unknown architecture: the unfused graph still runs, just slower
        onnx.save(onnx.load(str(src)), str(dst))
