"""The meeting papers as PDF bytes, from plain data (marac.services.pdf.papers): the case list, the
minutes and one agency's actions. ReportLab; every typed value is escaped before it reaches
Paragraph markup."""

from marac.services.pdf.actions import agency_actions_pdf
from marac.services.pdf.case_list import case_list_pdf
from marac.services.pdf.minutes import minutes_pdf

__all__ = ["agency_actions_pdf", "case_list_pdf", "minutes_pdf"]
