"""The JSON API under ``/api/`` (OpenAPI schema at ``/api/openapi.json``).

Every endpoint authenticates with the session cookie or ``Authorization: Bearer TOKEN`` and
reads through the caller's :class:`~salesorg.web.scope.Scope`, the same as the pages: an
opportunity outside the scope is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from salesorg.web.app import cached, request_scope, state_for
from salesorg.web.auth import api_user
from salesorg.web.queries import opportunity_detail, opportunity_page, org_chart
from salesorg.web.users import User

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])

UserDep = Annotated[User, Depends(api_user)]
AsOf = Annotated[dt.date | None, Query(description="ISO date; the end of that day (default today)")]


class Me(BaseModel):
    email: str
    role: str
    person_id: str | None
    scope: str


class Opportunity(BaseModel):
    opportunity_id: str
    name: str | None = None
    owner_id: str | None
    stage: str
    amount: float | None
    currency: str | None = None
    amount_rc: float | None = None
    close_date: dt.date | None
    is_closed: bool | None = None
    is_won: bool | None = None


class OpportunityList(BaseModel):
    items: list[Opportunity]
    total: int
    limit: int
    offset: int
    as_of: dt.date


class HistoryRow(BaseModel):
    changed_at: dt.datetime
    stage: str
    amount: float | None
    close_date: dt.date | None
    forecast_category: str | None
    owner_id: str | None


class OpportunityDetail(Opportunity):
    account_id: str | None = None
    product: str | None = None
    deal_type: str | None = None
    created_on: dt.date | None = None
    history: list[HistoryRow]


class Member(BaseModel):
    person_id: str
    name: str | None
    role: str | None
    family: str
    manager_id: str | None
    span: int


class Unit(BaseModel):
    unit_id: str
    name: str
    kind: str
    depth: int
    members: list[Member]


def _as_of(request: Request, as_of: dt.date | None) -> dt.date:
    return as_of or request.app.state.today()


@router.get("/me", response_model=Me, summary="Who am I and what do I see")
def me(request: Request, user: UserDep) -> Me:
    scope = request_scope(request, user)
    return Me(email=user.email, role=user.role, person_id=user.person_id, scope=scope.label)


@router.get("/opportunities", response_model=OpportunityList, summary="Opportunities in scope")
def opportunities(
    request: Request,
    user: UserDep,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    q: Annotated[str | None, Query(max_length=200, description="ID/name/owner contains")] = None,
    open_only: bool = False,
) -> dict[str, Any]:
    day = _as_of(request, as_of)
    scope = request_scope(request, user)
    store = request.app.state.pool.get()
    items, total = cached(
        request,
        "api-opportunities",
        scope,
        day,
        limit,
        offset,
        q,
        open_only,
        compute=lambda: opportunity_page(
            store,
            scope,
            as_of=day,
            limit=limit,
            offset=offset,
            q=q,
            open_only=open_only,
            state=state_for(request, day),
        ),
    )
    return {"items": items, "total": total, "limit": limit, "offset": offset, "as_of": day}


@router.get(
    "/opportunities/{opportunity_id}",
    response_model=OpportunityDetail,
    responses={404: {"description": "no such opportunity in your scope"}},
    summary="One opportunity with its history",
)
def opportunity(
    request: Request, user: UserDep, opportunity_id: str, as_of: AsOf = None
) -> dict[str, Any]:
    day = _as_of(request, as_of)
    store = request.app.state.pool.get()
    found = opportunity_detail(
        store,
        request_scope(request, user),
        opportunity_id,
        as_of=day,
        state=state_for(request, day),
    )
    if found is None:
        raise HTTPException(404, f"no opportunity {opportunity_id!r} in your scope")
    return found


@router.get("/org", response_model=list[Unit], summary="Units and people in scope, with spans")
def org(request: Request, user: UserDep, as_of: AsOf = None) -> list[dict[str, Any]]:
    day = _as_of(request, as_of)
    store = request.app.state.pool.get()
    return org_chart(store, request_scope(request, user), as_of=day)
