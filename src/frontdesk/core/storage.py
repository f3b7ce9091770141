"""Where attachment bytes live. Local disk under FRONTDESK_DATA_DIR by default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Protocol


class Storage(Protocol):
    def save(self, data: bytes, *, suffix: str = "") -> str: ...
    def open(self, key: str) -> bytes: ...
    def path(self, key: str) -> Path: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, data: bytes, *, suffix: str = "") -> str:
        token = secrets.token_hex(16)
        key = f"{token[:2]}/{token[2:4]}/{token}{suffix}"
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        # Rename is atomic: a reader never sees half a file.
        tmp.replace(target)
        return key

    def path(self, key: str) -> Path:
        resolved = (self.root / key).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise ValueError("storage key escapes the storage root")
        return resolved

    def open(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)
