"""The base class of every model, spelled so mypy can read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.extensions import db

if TYPE_CHECKING:
    from typing import ClassVar

    from flask_sqlalchemy.model import Model as FlaskModel
    from sqlalchemy import Table
    from sqlalchemy.orm import DeclarativeBase

    class Model(FlaskModel, DeclarativeBase):
        """What `db.Model` is at run time: Flask-SQLAlchemy's model over SQLAlchemy's declarative base.

        mypy cannot take an attribute of a value (`db.Model`) as a base class (python/mypy#8603), so it
        reads this declaration instead; the program never runs this branch.
        """

        # Every model names a __tablename__, so each maps a Table (SQLAlchemy types it as any FromClause).
        __table__: ClassVar[Table]

else:
    Model = db.Model
