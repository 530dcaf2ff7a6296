"""Rows due for a sweep, stated once for both ways of asking.

A service says which of its rows are due with a `Due` (e.g. `checkins.check_ins_due(now)`): its
sweep reads them with `rows()`, a WHERE clause, and the clock's tick asks `probe()` first, a cheap
indexed boolean, to skip the sweep when nothing is due. The two never drift apart, as each is
built from the same parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select


def earliest(column: Any, *where: ColumnElement[bool]) -> ColumnElement[Any]:
    """The smallest `column` among the rows matching `where` (NULL when there are none), for a
    probe such as `earliest(CheckIn.next_action_at, CheckIn.state == "pending") <= now`.

    A probe is this rather than an EXISTS with the time inside it: the subquery has no parameter,
    so PostgreSQL reads the first entry of the (state, time) index whatever plan it caches. (An
    EXISTS over `next_action_at <= $1` got a generic plan that scans the whole table: it assumes
    a third of the rows match, so a scan would find one at once; 130 ms at 100,000 patients.)
    Keep `where` to equalities on the index's leading columns."""
    return select(func.min(column)).where(*where).scalar_subquery()


@dataclass(frozen=True)
class Due:
    """The rows whose `time` has come by `at` (strictly before it when `strictly`), among those
    whose `state` is one of `states` (when a state is given) and that match every `where`."""

    time: Any  # a mapped column
    at: datetime
    state: Any = None  # a mapped column
    states: tuple[str, ...] = ()
    where: tuple[ColumnElement[bool], ...] = ()
    strictly: bool = False

    def _come(self, value: Any) -> ColumnElement[bool]:
        return value < self.at if self.strictly else value <= self.at

    def _in_state(self) -> tuple[ColumnElement[bool], ...]:
        if self.state is None:
            return ()
        return (self.state == self.states[0],) if len(self.states) == 1 else (self.state.in_(self.states),)

    def rows(self) -> tuple[ColumnElement[bool], ...]:
        """The WHERE clause that reads the due rows (on the index of state and time)."""
        return (*self.where, *self._in_state(), self._come(self.time))

    def probe(self) -> ColumnElement[bool]:
        """True whenever `rows()` would find a row: the earliest time of each state has come."""
        if self.state is None:
            return self._come(earliest(self.time, *self.where))
        return or_(*(self._come(earliest(self.time, *self.where, self.state == state)) for state in self.states))
