"""The impact page as an XLSX workbook for a funder: a summary sheet (agency, period, filters) and one sheet
per section with each indicator, its denominator and its definition, then each chart's numbers. Written in
the active language (the view activates the reader's). Numbers are stored as numbers, never as text."""

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _sheet_title(text: str, used: set) -> str:
    title = " ".join(str(text).translate(FORBIDDEN).split())[:31].strip() or "-"
    while title in used:
        title = title[:28] + f" {len(used)}"
    used.add(title)
    return title


def _cell(value):
    # Text that a spreadsheet would run as a formula (a cluster or firm name) is quoted.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def workbook(*, report, agency, filters: list[tuple[str, str]] = ()) -> bytes:
    scope = report.scope
    book = Workbook()
    used: set = set()
    summary = book.active
    summary.title = _sheet_title(_("Summary"), used)
    previous = scope.previous
    summary.append([_("Impact report")])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in [
        (_("Agency"), agency.name),
        (_("Period"), f"{formats.date_format(scope.start)} – {formats.date_format(scope.end)}"),
        (_("Previous period"), f"{formats.date_format(previous.start)} – {formats.date_format(previous.end)}"),
        *[(label, value) for label, value in filters],
        (_("Generated"), formats.date_format(timezone.localtime(), "DATETIME_FORMAT")),
    ]:
        summary.append([str(label), _cell(str(value))])
    summary.append([])
    summary.append([_("A rate whose denominator is under 10 is given as counts only and marked as a small number.")])
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 48

    header = [_("Indicator"), _("Value"), _("Unit"), _("Percent"), _("Denominator"), _("Denominator counts"),
              _("Small number"), _("Note"), _("Definition")]
    for section in report.sections:
        sheet = book.create_sheet(_sheet_title(section.label, used))
        sheet.append([section.label])
        sheet["A1"].font = Font(bold=True, size=13)
        if not section.available:
            sheet.append([_("Not available yet: the part of Puente that produces these figures is not installed.")])
            continue
        sheet.append(header)
        for cell in sheet[2]:
            cell.font = BOLD
        for ind in section.indicators:
            percent = round(ind.percent, 1) if ind.percent is not None and not ind.small else None
            sheet.append([str(ind.label), ind.value, str(ind.unit), percent, ind.denominator, str(ind.base),
                          _("yes") if ind.small else "", " ".join(filter(None, [str(ind.extra), str(ind.note)])),
                          str(ind.definition)])
            sheet.cell(row=sheet.max_row, column=9).alignment = WRAP
        for ind in section.indicators:
            if ind.rows:
                sheet.append([])
                sheet.append([str(ind.label)])
                sheet.cell(row=sheet.max_row, column=1).font = BOLD
                for label, value in ind.rows:
                    sheet.append([_cell(str(label)), value])
        if section.key == "credits" and report.cofunded:
            sheet.append([])
            sheet.append([_("Co-funded programs: credits paid in the period, net of reversals")])
            sheet.cell(row=sheet.max_row, column=1).font = BOLD
            sheet.append([_("Program"), _("Paid by all its funders"), _("Paid from your agency's pool")])
            for row in report.cofunded:
                sheet.append([_cell(row.name), row.total, row.mine])
        for chart in section.charts:
            sheet.append([])
            sheet.append([str(chart.series.label)])
            sheet.cell(row=sheet.max_row, column=1).font = BOLD
            sheet.append([str(c) for c in chart.columns])
            for row in chart.rows:
                sheet.append(list(row))
        sheet.column_dimensions["A"].width = 40
        sheet.column_dimensions["I"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
