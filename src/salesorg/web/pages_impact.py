"""Initiative impact in the browser and the API (``salesorg.impact``), limited to the scope.

``/impact`` lists the initiatives the caller may see; ``/impact/{id}?metric=&as_of=`` shows
the impact report of one (:func:`salesorg.impact.to_document`: verdict, estimate with its
90 % interval, the comparison group and its balance, the placebo test, the time-to-signal
and event-study charts) plus "how soon can we know" (:func:`salesorg.impact.plan` at the
effect seen so far), and offers it as HTML, PDF and Excel (``/download/impact.{fmt}``).

Visibility (``docs/web.md``, "Impact and visibility"): an initiative is visible when one of
its members (a person or a unit) is in the caller's scope, or one of the people it expands to
is; any other ID answers 404 like an unknown one. The estimate itself needs the whole
company as its comparison pool (a manager's own team alone has no comparison group), so it is
computed once over the whole store and shown to every viewer as the same *aggregate* figures;
every list of people or teams in it (treated, comparison, matched teams) is cut to the
caller's scope before anything is rendered or serialised, with a note saying how many are
hidden. Results are cached per (initiative, metric, as-of) in the app's result cache, so the
analysis runs once however many people open the page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from salesorg.errors import SalesorgError
from salesorg.report import Document, Kpi, KpiBlock, Note, Paragraph
from salesorg.store import Store
from salesorg.web.app import render, request_scope
from salesorg.web.auth import api_user, page_user
from salesorg.web.docview import document_context
from salesorg.web.downloads import current_cache, register_report
from salesorg.web.pages import parse_date
from salesorg.web.scope import Scope
from salesorg.web.users import User

__all__ = ["router", "scoped_impact", "visible_initiatives"]

router = APIRouter()
#: cluster-bootstrap replicates, as ``salesorg impact`` (``--bootstrap 999``)
REPLICATES = 999
DEFAULT_METRIC = "win-rate"


# ------------------------------------------------------------------------------ visibility
def _treated(store: Store, initiative_id: str, cache: Any) -> frozenset[str]:
    """The people an initiative expands to (units on their join dates), cached."""
    from salesorg.impact import treatment

    def compute() -> frozenset[str]:
        return frozenset(treatment(store, initiative_id).people.person_id)

    if cache is None:
        return compute()
    return cache.get_or_compute(("impact-treated", initiative_id), compute)


def _holders_in_scope(store: Store, scope: Scope) -> set[str]:
    """Initiatives with a member (person or unit ID) in ``scope``, filtered in the query."""
    mem = store.table("initiative_members")
    ids = sorted(scope.person_ids | scope.unit_ids)
    if not ids:
        return set()
    hit = mem.filter(mem.holder_id.isin(ids)).select("initiative_id").distinct()
    return set(hit.execute().initiative_id)


def visible_initiatives(store: Store, scope: Scope, cache: Any = None) -> pd.DataFrame:
    """The initiatives ``scope`` may see (``salesorg initiative list`` columns)."""
    from salesorg.impact import list_initiatives

    frame = list_initiatives(store)
    if scope.everything or frame.empty:
        return frame
    direct = _holders_in_scope(store, scope)
    keep = [
        iid in direct or bool(_treated(store, iid, cache) & scope.person_ids)
        for iid in frame.initiative_id
    ]
    return frame[keep].reset_index(drop=True)


def _check_visible(store: Store, scope: Scope, initiative_id: str, cache: Any) -> None:
    """404 for an initiative that does not exist or is outside the scope (IDs cannot be probed)."""
    known = visible_initiatives(store, scope, cache)
    if initiative_id not in set(known.initiative_id):
        raise HTTPException(404, f"no initiative {initiative_id!r} in your scope")


# ------------------------------------------------------------------------------ computation
def _metric_name(name: str | None) -> str:
    """A named metric only: ``expr:`` metrics evaluate an expression, not for web input."""
    from salesorg.impact import METRICS

    name = name or DEFAULT_METRIC
    if name not in METRICS:
        raise HTTPException(400, f"unknown metric {name!r} — use one of {', '.join(METRICS)}")
    return name


def _as_of(store: Store, today: dt.date, value: dt.date | None, cache: Any = None) -> dt.date:
    """The date asked for (default today), never after the last recorded change: there is no
    data after it, and a far-future date would only make the weekly panel huge."""
    from salesorg.impact.analysis import default_as_of

    last = (
        default_as_of(store)
        if cache is None
        else cache.get_or_compute(("last-change",), lambda: default_as_of(store))
    )
    return min(value or today, last)


def _analysis(store: Store, initiative_id: str, metric: str, as_of: dt.date) -> dict[str, Any]:
    """The whole-company analysis and its time-to-signal plan (``plan`` may be ``None``)."""
    from salesorg.impact import analyse, plan

    result = analyse(store, initiative_id, metric_name=metric, as_of=as_of, replicates=REPLICATES)
    est = result.effect.estimate
    planned, plan_error = None, None
    if est is not None and math.isfinite(est) and est != 0:
        members = store.con.execute(
            "SELECT DISTINCT holder_id FROM initiative_members WHERE initiative_id = ? ORDER BY 1",
            [initiative_id],
        ).fetchall()
        try:
            planned = plan(
                store,
                members=[m[0] for m in members],
                metric_name=metric,
                effect=abs(float(est)),
                start=result.started_on,
                as_of=as_of,
            )
        except SalesorgError as exc:
            plan_error = str(exc)
    return {"result": result, "plan": planned, "plan_error": plan_error}


def scoped_impact(
    store: Store,
    scope: Scope,
    initiative_id: str,
    *,
    metric: str,
    as_of: dt.date,
    cache: Any = None,
) -> dict[str, Any]:
    """The analysis of a visible initiative with its people and team lists cut to ``scope``.

    Returns ``result`` (an :class:`~salesorg.impact.ImpactResult` safe to render), ``plan``,
    ``plan_error`` and ``hidden`` (how many treated / comparison people and matched teams were
    left out). Raises 404 for an initiative outside the scope.
    """
    _check_visible(store, scope, initiative_id, cache)
    key = ("impact", initiative_id, metric, as_of)
    full = (
        _analysis(store, initiative_id, metric, as_of)
        if cache is None
        else cache.get_or_compute(key, lambda: _analysis(store, initiative_id, metric, as_of))
    )
    r = full["result"]
    if scope.everything:
        return {**full, "hidden": {"treated": 0, "comparison": 0, "teams": 0}}
    comparison = [p for p in r.matching.comparison if scope.allows_person(p)]
    treated = [p for p in r.treated if scope.allows_person(p)]
    teams = [t for t in r.matching.teams if scope.allows_unit(t)]
    hidden = {
        "treated": len(r.treated) - len(treated),
        "comparison": len(r.matching.comparison) - len(comparison),
        "teams": len(r.matching.teams) - len(teams),
    }
    matching = dataclasses.replace(r.matching, comparison=comparison, teams=teams, pairs=None)
    safe = dataclasses.replace(r, matching=matching, treated=treated)
    return {**full, "result": safe, "hidden": hidden}


# ------------------------------------------------------------------------------ the document
def impact_document(view: dict[str, Any]) -> Document:
    """The engine's report plus "how soon can we know" and the scope note."""
    from salesorg.impact import to_document
    from salesorg.impact.report import format_effect

    r = view["result"]
    doc = to_document(r)
    hidden = view["hidden"]
    if any(hidden.values()):
        comparison = next(s for s in doc.sections if s.title == "Comparison group")
        comparison.blocks.insert(
            0,
            Note(
                f"estimated on the whole company; {hidden['comparison']} comparison and "
                f"{hidden['treated']} treated people outside your scope are not listed",
                "assumption",
            ),
        )
    sec = doc.section("How soon can we know")
    p = view["plan"]
    if p is None:
        sec.add(Paragraph(view["plan_error"] or "No effect estimated yet: nothing to plan for."))
        return doc
    unit = r.metric.unit
    when = (
        f"after {p['periods_to_signal']} {r.freq}s ({p['signal_date']})"
        if p["periods_to_signal"]
        else f"not within {len(p['mde_by_period'])} {r.freq}s"
    )
    sec.add(
        Paragraph(
            f"An effect as large as the one seen so far ({format_effect(p['effect'], unit)}) "
            f"becomes detectable (80 % power, 5 % level) {when} after the start."
        )
    )
    sec.add(
        KpiBlock(
            (
                Kpi("Periods to signal", p["periods_to_signal"] or "—"),
                Kpi("Signal date", p["signal_date"] or "—"),
                Kpi(f"{r.freq.capitalize()}s since start", p["post_periods_now"]),
                Kpi(
                    "Smallest detectable effect now",
                    format_effect(p["mde_now"], unit) if p["mde_now"] is not None else "—",
                ),
            )
        )
    )
    sec.add(
        Note(
            "from the store's own noise before the start (salesorg impact plan; docs/impact.md)",
            "assumption",
        )
    )
    return doc


# ------------------------------------------------------------------------------ routes
@router.get("/impact", include_in_schema=False)
def impact_list(request: Request, user: Annotated[User, Depends(page_user)]) -> Response:
    store = request.app.state.pool.get()
    scope = request_scope(request, user)
    rows = visible_initiatives(store, scope, request.app.state.cache).to_dict("records")
    return render(request, "impact.html", initiatives=rows, document=None, initiative=None)


@router.get("/impact/{initiative_id}", include_in_schema=False)
def impact_page(
    request: Request,
    user: Annotated[User, Depends(page_user)],
    initiative_id: str,
    metric: Annotated[str | None, Query(max_length=40)] = None,
    as_of: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    from salesorg.impact import METRICS

    store = request.app.state.pool.get()
    scope = request_scope(request, user)
    cache = request.app.state.cache
    name = _metric_name(metric)
    _check_visible(store, scope, initiative_id, cache)
    day = _as_of(store, request.app.state.today(), parse_date(as_of), cache)
    document, error = None, None
    try:
        view = scoped_impact(store, scope, initiative_id, metric=name, as_of=day, cache=cache)
        document = document_context(impact_document(view))
    except SalesorgError as exc:
        error = str(exc)
    return render(
        request,
        "impact.html",
        status_code=400 if error else 200,
        initiatives=visible_initiatives(store, scope, cache).to_dict("records"),
        initiative=initiative_id,
        metric=name,
        metrics=list(METRICS),
        as_of=day,
        document=document,
        error=error,
        download_query=f"initiative={initiative_id}&metric={name}&as_of={day.isoformat()}",
    )


@router.get("/api/impact", tags=["api"], summary="Initiatives with members in your scope")
def impact_list_api(
    request: Request, user: Annotated[User, Depends(api_user)]
) -> list[dict[str, Any]]:
    """Items with ``initiative_id``, ``name``, ``started_on``, ``description``, ``members``
    (member entries) and ``waves``."""
    from salesorg.cli._output import jsonable

    store = request.app.state.pool.get()
    frame = visible_initiatives(store, request_scope(request, user), request.app.state.cache)
    return [jsonable(r) for r in frame.to_dict("records")]


@router.get(
    "/api/impact/{initiative_id}", tags=["api"], summary="The impact of an initiative in your scope"
)
def impact_api(
    request: Request,
    user: Annotated[User, Depends(api_user)],
    initiative_id: Annotated[str, Path(max_length=100)],
    metric: Annotated[str | None, Query(max_length=40)] = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The JSON of ``salesorg impact --format json`` (``docs/impact.md``) with ``treated``,
    ``comparison`` and ``matched_teams`` cut to your scope, plus ``hidden`` (how many of each
    were left out) and ``plan`` (time-to-signal at the effect seen so far, or null)."""
    from salesorg.cli._output import jsonable
    from salesorg.impact import to_json

    store = request.app.state.pool.get()
    scope = request_scope(request, user)
    cache = request.app.state.cache
    name = _metric_name(metric)
    _check_visible(store, scope, initiative_id, cache)
    day = _as_of(store, request.app.state.today(), as_of, cache)
    try:
        view = scoped_impact(store, scope, initiative_id, metric=name, as_of=day, cache=cache)
    except SalesorgError as exc:
        raise HTTPException(400, str(exc)) from None
    plan = view["plan"]
    if plan is not None:
        plan = {k: v for k, v in plan.items() if k != "mde_by_period"}
    return jsonable({**to_json(view["result"]), "hidden": view["hidden"], "plan": plan})


@register_report("impact")
def impact_report(store: Store, scope: Scope, as_of: dt.date, params: dict[str, str]) -> Document:
    """The impact report of ``initiative`` (``metric``) as the page shows it."""
    initiative_id = params.get("initiative") or ""
    name = _metric_name(params.get("metric"))
    day = _as_of(store, as_of, as_of, current_cache.get())
    try:
        view = scoped_impact(
            store, scope, initiative_id, metric=name, as_of=day, cache=current_cache.get()
        )
    except SalesorgError as exc:
        raise HTTPException(400, str(exc)) from None
    return impact_document(view)
