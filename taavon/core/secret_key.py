"""The demo's own secret key, made once per machine.

The demo served without DEBUG (``make run``) needs a secret key, and the embedded development key
is public. A random key is written under ``var/`` on the first start and read at every later one,
so sessions survive a restart. Production sets ``SECRET_KEY`` in its environment instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def demo_secret_key(path: Path) -> str:
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if len(key) >= 50:
        return key
    key = secrets.token_urlsafe(50)
    # Readable by its owner only; written whole or not at all (a second process may race us).
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    os.replace(tmp, path)
    return path.read_text(encoding="ascii").strip()
