"""Imports on the web: upload files, see every validation error by file, row and column, confirm.

Step 1 (``POST /imports/validate``) saves the uploaded files in a private temporary directory
and runs :func:`salesorg.ingest.import_files` with ``dry_run=True``: nothing is written, and
every problem is listed with its file, row, column, value and rule. Step 2
(``POST /imports/confirm``) imports the same files (all or nothing), records it in the audit
log with the user's e-mail and clears the server's caches. Only revops and admin may import.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from salesorg.errors import InputError, SalesorgError
from salesorg.web.app import data_changed, render
from salesorg.web.auth import check_csrf, page_user
from salesorg.web.users import User

__all__ = ["MAX_UPLOAD_BYTES", "router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_uploads: dict[str, tuple[str, str, Path]] = {}  # token -> (email, preset, dir)
_lock = threading.Lock()


def _importer(request: Request) -> User:
    user = page_user(request)
    if user.role not in ("revops", "admin"):
        raise HTTPException(403, "imports are for revops and admin")
    return user


ImporterDep = Annotated[User, Depends(_importer)]


def _presets() -> list[str]:
    from salesorg.ingest import PRESETS

    return sorted(PRESETS)


def _recent(request: Request) -> list[dict[str, Any]]:
    store = request.app.state.pool.get()
    cur = store.con.execute(
        "SELECT started_at, source, file, rows, status, message FROM imports "
        "ORDER BY started_at DESC LIMIT 20"
    )
    keys = ("started_at", "source", "file", "rows", "status", "message")
    return [dict(zip(keys, r, strict=True)) for r in cur.fetchall()]


def _page(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    base = {
        "presets": _presets(),
        "recent": _recent(request),
        "problems": None,
        "result": None,
        "preset": "native",
    }
    return render(request, "imports.html", status_code=status_code, **{**base, **ctx})


@router.get("/imports")
def imports_page(request: Request, user: ImporterDep) -> Response:
    return _page(request)


@router.post("/imports/validate")
async def validate_upload(
    request: Request,
    user: ImporterDep,
    preset: Annotated[str, Form(max_length=40)],
    files: Annotated[list[UploadFile], File()],
) -> Response:
    from starlette.concurrency import run_in_threadpool

    from salesorg.ingest import import_files

    if preset not in _presets():
        raise HTTPException(400, f"unknown preset {preset!r}")
    folder = Path(tempfile.mkdtemp(prefix="salesorg-upload-"))
    paths = []
    total = 0
    for f in files:
        name = _SAFE.sub("_", Path(f.filename or "upload").name)[:100] or "upload"
        data = await f.read()
        total += len(data)
        if total > MAX_UPLOAD_BYTES:
            shutil.rmtree(folder, ignore_errors=True)
            raise HTTPException(413, f"upload larger than {MAX_UPLOAD_BYTES // 2**20} MB")
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    store = request.app.state.pool.get()
    try:
        result = await run_in_threadpool(import_files, store, preset, paths, dry_run=True)
    except InputError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        problems = [
            {
                "file": Path(p.file).name,
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "rule": p.rule,
            }
            for p in exc.problems
        ]
        return _page(request, status_code=422, problems=problems, preset=preset)
    except SalesorgError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page(request, status_code=400, error=str(exc), preset=preset)
    token = secrets.token_urlsafe(16)
    with _lock:
        _uploads[token] = (user.email, preset, folder)
    return _page(
        request,
        result=result.as_dict() | {"files": [p.name for p in paths]},
        token=token,
        preset=preset,
    )


@router.post("/imports/confirm")
def confirm_upload(
    request: Request, user: ImporterDep, token: Annotated[str, Form(max_length=64)]
) -> Response:
    from salesorg.ingest import import_files

    with _lock:
        entry = _uploads.pop(token, None)
    if entry is None or entry[0] != user.email:
        raise HTTPException(404, "no such upload waiting for you — upload the files again")
    _, preset, folder = entry
    store = request.app.state.pool.get()
    try:
        paths = sorted(folder.iterdir())
        result = import_files(store, preset, paths)
        store.audit(
            user.email,
            f"web import {preset}",
            ", ".join(p.name for p in paths),
            f"status={result.status} rows={result.rows}",
        )
    except InputError as exc:
        problems = [
            {
                "file": Path(p.file).name,
                "row": p.row,
                "column": p.column,
                "value": p.value,
                "rule": p.rule,
            }
            for p in exc.problems
        ]
        return _page(request, status_code=422, problems=problems, preset=preset)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data_changed(request)
    return _page(request, imported=result.as_dict(), preset=preset)
