"""The desk's tables, as SQLAlchemy 2 declarative models (the schema of migrations/versions/0001).

Identity across runs: a *unit* is one translation in a project, known by system, document and text (the
`text_key` of src and mt that `--verdicts` matches on, mtcheck/editorial/diff.py) and by its occurrence
among equal texts of that document, so a repeated headline stays two units. A *segment* is a unit as one
run scored it. Reviews and marks belong to units, so they carry over to the next run of the same corpus;
each records the run it was made in, and the page shows an earlier run's work as carried.

A unit has one review (status and note), shared by the team: two editors saving it compete, and the
second save is refused with the first one shown (optimistic locking on `version`, SQLAlchemy's
version_id_col). MQM marks are per editor, like a rater's annotations, so that doubly-marked units give
agreement figures. Every change is written to `audit`, which the migration makes append-only.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("editor", "lead")


def now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Run(Base):
    __tablename__ = "run"
    __table_args__ = (UniqueConstraint("project_id", "digest"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    folder: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))   # sha256 of the run's segments.csv
    rows: Mapped[int] = mapped_column(Integer)
    target_lang: Mapped[str] = mapped_column(String(35), default="en", server_default="en")  # revision 0002
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("project_id", "system", "doc_id", "text_key", "occurrence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    system: Mapped[str] = mapped_column(String(200), default="")
    doc_id: Mapped[str] = mapped_column(String(500), default="")
    text_key: Mapped[str] = mapped_column(String(32))
    occurrence: Mapped[int] = mapped_column(Integer, default=0)
    src: Mapped[str] = mapped_column(Text, default="")
    mt: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[str] = mapped_column(Text, default="")


class Segment(Base):
    __tablename__ = "segment"
    __table_args__ = (UniqueConstraint("run_id", "row"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)           # 0-based row of the run's segments.csv
    seg_id: Mapped[str] = mapped_column(String(200), default="")
    quality: Mapped[float | None] = mapped_column(Float, nullable=True)
    severity: Mapped[str] = mapped_column(String(20), default="ok")
    route: Mapped[str] = mapped_column(String(40), default="")
    checks: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    scores: Mapped[dict] = mapped_column(JSON, default=dict)   # the run's metric columns of this row


class Editor(Base):
    __tablename__ = "editor"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="editor")
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Review(Base):
    __tablename__ = "review"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    editor_id: Mapped[int] = mapped_column(ForeignKey("editor.id"))
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"))   # the run the editor saw when saving
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}


class Mark(Base):
    __tablename__ = "mark"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("editor.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), nullable=True)
    start: Mapped[int] = mapped_column(Integer)          # character offsets into the unit's mt
    end: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)   # removed marks stay, for the history
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Assignment(Base):
    __tablename__ = "assignment"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    editor_id: Mapped[int] = mapped_column(ForeignKey("editor.id"))


class Audit(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    editor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    old: Mapped[str] = mapped_column(Text, default="")   # JSON
    new: Mapped[str] = mapped_column(Text, default="")   # JSON


class Setting(Base):
    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
