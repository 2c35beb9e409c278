"""Org design scenarios in the browser (``salesorg.orgdesign``): edit, run, compare.

The page offers the presets (``span:N``, ``cells``) and a TOML editor for one custom scenario
(the same format as ``salesorg scenario run FILE.toml``, validated before anything runs). A run
is a background job (:mod:`salesorg.web.jobs`) whose page polls its status with htmx every
second and then shows the comparison report (P10/P50/P90, tornado, assumptions) built by
:func:`salesorg.orgdesign.comparison_document`, downloadable as HTML, PDF and Excel. Runs are
audited. Scenarios model the whole organisation and show aggregates only (no deals), so they
are open to directors, the GM, revops and admins.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import tomllib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from salesorg.errors import ConfigError
from salesorg.report import Document
from salesorg.store import Store
from salesorg.web.app import render
from salesorg.web.auth import check_csrf, page_user
from salesorg.web.docview import document_context
from salesorg.web.downloads import document_response
from salesorg.web.jobs import JobRunner
from salesorg.web.users import User

__all__ = ["router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
ROLES = ("director", "gm", "revops", "admin")
MAX_TRIALS = 20_000
RUNNER = JobRunner()
EXAMPLE = """# A custom scenario (same format as `salesorg scenario run FILE.toml`).
name = "span-12-senior"
base = "span"
span = 12
keep_by = "attainment"
surplus = "senior_am"
description = "Span 1:12; surplus managers go back to selling as senior AMs."

[reporting]
automated = true
"""


def _planner(request: Request) -> User:
    user = page_user(request)
    if user.role not in ROLES:
        raise HTTPException(403, "scenarios are for directors, the GM, revops and admin")
    return user


PlannerDep = Annotated[User, Depends(_planner)]


def _page(request: Request, user: User, status_code: int = 200, **ctx: Any) -> Response:
    base = {
        "toml": EXAMPLE,
        "error": None,
        "jobs": RUNNER.for_owner(None if user.is_admin else user.email),
        "trials": 2000,
        "max_trials": MAX_TRIALS,
    }
    return render(request, "scenarios.html", status_code=status_code, **{**base, **ctx})


@router.get("/scenarios")
def scenarios_page(request: Request, user: PlannerDep) -> Response:
    return _page(request, user)


def _run(store_pool: Any, refs: list[str], toml_text: str | None, trials: int) -> Document:
    from salesorg.orgdesign import compare_scenarios, comparison_document

    store: Store = store_pool.get()
    with tempfile.TemporaryDirectory() as tmp:
        all_refs = list(refs)
        if toml_text:
            path = Path(tmp) / "custom.toml"
            path.write_text(toml_text, encoding="utf-8")
            all_refs.append(str(path))
        comp = compare_scenarios(store, all_refs, trials=trials, seed=42)
    return comparison_document(comp)


@router.post("/scenarios/run")
def run_scenarios(
    request: Request,
    user: PlannerDep,
    presets: Annotated[list[str] | None, Form()] = None,
    span: Annotated[int, Form(ge=2, le=60)] = 14,
    toml_text: Annotated[str, Form(max_length=20_000)] = "",
    use_custom: Annotated[bool, Form()] = False,
    trials: Annotated[int, Form(ge=100, le=MAX_TRIALS)] = 2000,
) -> Response:
    from salesorg.orgdesign.scenario import parse_scenario

    refs = []
    for p in presets or []:
        if p == "span":
            refs.append(f"span:{span}")
        elif p in ("cells", "cells+manual", "cells+automated"):
            refs.append(p)
        else:
            raise HTTPException(400, f"unknown preset {p!r}")
    custom = toml_text if use_custom and toml_text.strip() else None
    if custom is not None:
        try:
            parse_scenario(tomllib.loads(custom), source="scenario.toml")
        except tomllib.TOMLDecodeError as exc:
            return _page(request, user, 400, toml=custom, error=f"not valid TOML: {exc}")
        except ConfigError as exc:
            return _page(request, user, 400, toml=custom, error=str(exc))
    if not refs and custom is None:
        return _page(request, user, 400, toml=toml_text or EXAMPLE, error="choose a scenario")
    params = {"scenarios": [*refs, *(["custom.toml"] if custom else [])], "trials": trials}
    pool = request.app.state.pool
    job = RUNNER.submit(
        user.email,
        "Scenarios: baseline vs " + ", ".join(params["scenarios"]),
        params,
        lambda: _run(pool, refs, custom, trials),
    )
    pool.get().audit(user.email, "scenario.run", job.job_id, str(params) + (custom or ""))
    return RedirectResponse(f"/scenarios/{job.job_id}", status_code=303)


def _job(user: User, job_id: str) -> Any:
    job = RUNNER.get(job_id)
    if job is None or (job.owner != user.email and not user.is_admin):
        raise HTTPException(404, "no such scenario run")
    return job


def _job_context(job: Any) -> dict[str, Any]:
    document = None
    if job.status == "done":
        document = getattr(job, "_context", None)
        if document is None:
            document = document_context(job.result)
            job._context = document
    return {"job": job, "document": document}


@router.get("/scenarios/{job_id}")
def scenario_job(request: Request, user: PlannerDep, job_id: str) -> Response:
    return render(request, "scenario_job.html", **_job_context(_job(user, job_id)))


@router.get("/scenarios/{job_id}/status")
def scenario_status(request: Request, user: PlannerDep, job_id: str) -> Response:
    return render(request, "_scenario_status.html", **_job_context(_job(user, job_id)))


@router.get("/scenarios/{job_id}/download.{fmt}")
def scenario_download(request: Request, user: PlannerDep, job_id: str, fmt: str) -> Response:
    job = _job(user, job_id)
    if job.status != "done":
        raise HTTPException(404, "the run has not finished")
    return document_response(job.result, fmt, f"scenarios-{dt.date.today().isoformat()}")
