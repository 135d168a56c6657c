"""Small generic helpers every layer may use (the lowest layer, so each has one home): torch
thread pinning, TF32 for CUDA training, atomic file replacement, the umask, the cache folder,
natural sort keys."""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Callable


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the block with ``n`` torch threads, restored afterwards. Small models run faster on
    one thread than on two contended ones; sweeps parallelise across points instead."""
    import torch
    old = torch.get_num_threads()
    torch.set_num_threads(max(1, int(n)))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def enable_tf32() -> None:
    """TF32 tensor cores for float32 matmuls and convolutions on CUDA (float32 training runs;
    float64 comparisons are unaffected; the closed-form MIM step turns it off for itself)."""
    import torch
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True


def atomic_replace(path: str | os.PathLike, write: Callable[[str], None], *, mode: int | None = None) -> Path:
    """Create or replace ``path`` atomically: ``write(tmp)`` fills a temporary file in the same
    folder, which is then renamed over ``path`` (``mode`` applied first when given). Readers see
    the old file or the new one, never a part; on any failure the temporary file is removed and
    the exception propagates (an OSError for a full disk or a read-only folder)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def umask() -> int:
    """The process umask, read without changing it (the mode a new file gets is ``0o666 & ~umask()``)."""
    old = os.umask(0)
    os.umask(old)
    return old


def cache_dir() -> Path:
    """The suite's on-disk cache folder: ``$MLCLAIMS_CACHE``, else ``$XDG_CACHE_HOME/mlclaims``,
    else ``~/.cache/mlclaims`` (built kernels, trained models, timed step costs)."""
    root = os.environ.get("MLCLAIMS_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mlclaims"


def natural_key(text: str) -> list:
    """Sort key that orders digit runs by value: ``lemA.9`` before ``lemA.10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text))]
