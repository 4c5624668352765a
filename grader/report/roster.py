"""One student's line in a class: a result, or why there is none."""
from __future__ import annotations

from typing import NamedTuple

from grader.results import SubmissionResult


class Entry(NamedTuple):
    identifier: str  #: the student's folder or file name in the class folder
    result: SubmissionResult | None  #: None when the submission could not be graded
    error: str = ""  #: why not, for the gradebook's error row
