"""``misper ssda903``: write a local authority's SSDA903 return (the Header, Episodes and
Missing tables, R-DAT-04) as the DfE's CSV files, and check it with the DfE's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from misper.agencies.models import Organisation, OrganisationKind
from misper.core.audit import audit_record
from misper.core.errors import DomainError
from misper.core.models import AuditAction
from misper.insights import ssda903
from misper.insights.words import column_words, finding_title


class Command(BaseCommand):
    help = (
        "Write a local authority's SSDA903 return for a collection year (header.csv, "
        "episodes.csv, missing.csv) and, with --validate, check it with the DfE's rules. "
        "Exits with status 1 when anything is found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--authority",
            required=True,
            help="the local authority: its Misper code (vale-cc) or ONS code (E10000034)",
        )
        parser.add_argument(
            "--year",
            required=True,
            help="the collection year, named by the year it ends: 2027 (or 2026-27) is "
            "1 April 2026 to 31 March 2027",
        )
        parser.add_argument("--out", required=True, type=Path, help="directory for the files")
        parser.add_argument(
            "--validate", action="store_true", help="check the files with the DfE's rules"
        )
        parser.add_argument(
            "--purpose",
            default="SSDA903 return written on the command line",
            help="why the return is written (recorded in the audit log)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wanted = options["authority"].strip()
        authority = Organisation.objects.filter(
            Q(code=wanted) | Q(ons_code__iexact=wanted), kind=OrganisationKind.LOCAL_AUTHORITY
        ).first()
        if authority is None:
            raise CommandError(f"No local authority has the code {wanted!r}")
        try:
            year = ssda903.CollectionYear.parse(options["year"])
            if options["validate"]:
                checked = ssda903.check_return(authority, year)
                ret = checked.ret
            else:
                ret = ssda903.build_return(authority, year)
                checked = None
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except ssda903.ValidatorUnavailable as exc:
            raise CommandError(str(exc)) from exc
        paths = ret.write(options["out"])
        audit_record(
            user=None,
            action=AuditAction.EXPORT,
            subject_type=ssda903.AUDIT_SUBJECT,
            subject_id=f"{authority.pk}:{year.ends}",
            purpose=options["purpose"],
        )
        self.stdout.write(
            f"{authority.name}, {year.label}: children {len(ret.header)}, episodes "
            f"{len(ret.episodes)}, periods missing or away {len(ret.missing)}"
        )
        for path in paths:
            self.stdout.write(f"  {path}")
        if checked is None:
            return
        report = checked.report
        self.stdout.write(f"Checked with {report.validator} ({report.ruleset}).")
        if report.failed:
            self.stdout.write(
                "Rules that could not run on these tables (the validator's own faults): "
                + ", ".join(report.failed)
            )
        if checked.accepted:
            self.stdout.write("No problems found.")
            return
        for f in checked.findings:
            self.stdout.write(finding_title(f))
            if f.fields:
                self.stdout.write(f"  concerns: {column_words(f.fields)}")
            for row, child in zip(f.rows, f.children, strict=False):
                self.stdout.write(
                    f"  {ssda903.FILE_NAMES.get(f.table, f.table)} row {row}: {child}"
                )
        raise CommandError(f"{len(checked.findings)} problems found: the return is not ready")
