"""``salesorg initiative add|list`` and ``salesorg impact INITIATIVE | plan``.

``salesorg impact INITIATIVE`` is shorthand for ``salesorg impact report INITIATIVE``: a group
whose default command is ``report`` (see :class:`_DefaultReport`).
"""

from __future__ import annotations

from pathlib import Path

import typer
from typer.core import TyperGroup

from salesorg.cli._output import DbOption, Format, FormatOption, emit
from salesorg.store import Store


class _DefaultReport(TyperGroup):
    """``impact X ...`` runs ``impact report X ...`` unless X is a subcommand."""

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["report", *args]
        return super().parse_args(ctx, args)


def _split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def register(app: typer.Typer) -> None:
    initiative = typer.Typer(
        help="Programmes whose effect is measured.\n\nExample: salesorg initiative list",
        no_args_is_help=True,
    )
    impact = typer.Typer(
        cls=_DefaultReport,
        help="Did an initiative work, and how soon can we know?\n\nExample: salesorg impact solution-selling --metric win-rate",
        no_args_is_help=True,
    )
    app.add_typer(initiative, name="initiative")
    app.add_typer(impact, name="impact")

    @initiative.command("add")
    def initiative_add(
        name: str = typer.Argument(..., help="the programme's name"),
        members: str = typer.Option(..., "--members", help="person or unit IDs, comma-separated"),
        start: str = typer.Option(..., "--start", help="date the members joined (ISO)"),
        wave: int | None = typer.Option(None, "--wave", help="wave number (default: next)"),
        description: str | None = typer.Option(None, "--description"),
        initiative_id: str | None = typer.Option(None, "--id", help="ID (default: from the name)"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Create an initiative, or add a wave of members to one (audited).

        Example: salesorg initiative add "Solution selling" --members T03 --start 2026-03-02
        """
        from salesorg.impact.initiatives import add_initiative, treatment

        with Store.open(db) as store:
            iid = add_initiative(
                store,
                name,
                members=_split(members),
                start=start,
                wave=wave,
                description=description,
                initiative_id=initiative_id,
            )
            people = treatment(store, iid).people
        emit(
            {
                "initiative_id": iid,
                "people": len(people),
                "members": _split(members),
                "start": start,
            },
            fmt,
        )

    @initiative.command("list")
    def initiative_list(db: str = DbOption, fmt: Format = FormatOption) -> None:
        """List initiatives with their start and members.

        Example: salesorg initiative list --format json
        """
        from salesorg.impact.initiatives import list_initiatives

        with Store.open(db, read_only=True) as store:
            emit(list_initiatives(store), fmt)

    @impact.command("report")
    def impact_report(
        initiative_id: str = typer.Argument(..., help="initiative ID"),
        metric: str = typer.Option(
            "win-rate",
            "--metric",
            "-m",
            help="win-rate, deal-size, bookings, pipeline-created, deal-cycle, solution-share, entry-stage, early-stage-days, share:COL=VALUE, expr:IBIS",
        ),
        out: Path | None = typer.Option(
            None, "--out", help="write the report (.html, .pdf or .xlsx)"
        ),
        as_of: str | None = typer.Option(
            None, "--as-of", help="date (default: the last recorded change)"
        ),
        bootstrap: int = typer.Option(999, "--bootstrap", help="cluster-bootstrap replicates"),
        seed: int = typer.Option(0, "--seed"),
        freq: str = typer.Option("week", "--freq", help="week or month"),
        pre: int | None = typer.Option(
            None, "--pre", help="baseline periods (default 26 weeks / 6 months)"
        ),
        k: int = typer.Option(3, "--k", help="comparison people per treated person"),
        match: str = typer.Option("mahalanobis", "--match", help="mahalanobis or propensity"),
        match_level: str = typer.Option(
            "person", "--match-level", help="match people (default) or whole teams"
        ),
        rollout_top: int = typer.Option(
            0, "--rollout", help="also rank this many teams for rollout"
        ),
        rollout_by: str = typer.Option("team", "--rollout-by", help="rank teams or countries"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """Measure an initiative's effect: estimate, 90 % interval, detectable since, checks.

        Example: salesorg impact solution-selling --metric win-rate --out impact.html
        """
        from salesorg.impact.analysis import analyse
        from salesorg.impact.report import to_document, to_json

        with Store.open(db, read_only=True) as store:
            r = analyse(
                store,
                initiative_id,
                metric_name=metric,
                as_of=as_of,
                freq=freq,
                replicates=bootstrap,
                seed=seed,
                pre_periods=pre,
                k=k,
                match_method=match,
                match_level=match_level,
            )
            payload = to_json(r)
            ranking = None
            if rollout_top:
                from salesorg.impact.rollout import rollout

                ranking = rollout(store, r, top=rollout_top, by=rollout_by)
                payload["rollout"] = ranking.to_dict("records")
        if out is not None:
            from salesorg.report import TableBlock, write

            doc = to_document(r)
            if ranking is not None:
                doc.section("Rollout").add(
                    TableBlock("rollout", ranking, title="Where to roll out next")
                )
            write(doc, out)
            payload["out"] = str(out)
        if fmt is Format.json:
            emit(payload, fmt)
            return
        rows = [
            {"field": k_, "value": payload[k_]}
            for k_ in (
                "initiative_id",
                "metric",
                "estimate",
                "ci90",
                "p_value",
                "pre_trend_p_value",
                "detectable_since",
                "n_treated",
                "n_comparison",
                "warnings",
            )
        ]
        emit(rows, fmt)
        if fmt is Format.table:
            typer.echo(payload["verdict"])
            if ranking is not None and len(ranking):
                cols = [
                    "rank",
                    "team",
                    "name",
                    "similarity",
                    "size",
                    "benefit_p10",
                    "benefit_p50",
                    "benefit_p90",
                    "note",
                ]
                emit(ranking[cols], fmt, title="Where to roll out next (benefit per year)")
            if out is not None:
                typer.echo(f"report written to {out}")

    @impact.command("plan")
    def impact_plan(
        members: str = typer.Option(..., "--members", help="person or unit IDs, comma-separated"),
        metric: str = typer.Option("win-rate", "--metric", "-m"),
        effect: float = typer.Option(
            ..., "--effect", help="effect size in the metric's unit (0.05 = 5 pp for a share)"
        ),
        start: str | None = typer.Option(
            None, "--start", help="programme start (default: --as-of)"
        ),
        as_of: str | None = typer.Option(None, "--as-of"),
        freq: str = typer.Option("week", "--freq"),
        pre: int | None = typer.Option(None, "--pre"),
        k: int = typer.Option(3, "--k"),
        db: str = DbOption,
        fmt: Format = FormatOption,
    ) -> None:
        """How many weeks until an effect of this size is detectable (80 % power, 5 % level)?

        Example: salesorg impact plan --members T03 --metric win-rate --effect 0.05
        """
        from salesorg.impact.planning import plan

        with Store.open(db, read_only=True) as store:
            res = plan(
                store,
                members=_split(members),
                metric_name=metric,
                effect=effect,
                start=start,
                as_of=as_of,
                freq=freq,
                pre_periods=pre,
                k=k,
            )
        if fmt is Format.json:
            emit(res, fmt)
            return
        keys = [
            "metric",
            "effect",
            "n_treated",
            "n_comparison",
            "pre_periods",
            "periods_to_signal",
            "signal_date",
            "post_periods_now",
            "mde_now",
        ]
        emit(
            [{"field": x, "value": res[x]} for x in keys]
            + [{"field": f"noise.{a}", "value": b} for a, b in res["noise"].items()],
            fmt,
        )
