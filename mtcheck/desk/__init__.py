"""The review desk: report folders served to a team, reviews and MQM marks in a real database (issue 37).

`mtcheck serve REPORT_DIR...` loads each report folder as a run of a project (models.py, store.py) and
serves a review page over it (app.py). The database is SQLite in WAL mode beside the reports by default,
or PostgreSQL with `--db postgresql://...`, through SQLAlchemy 2 with Alembic migrations (migrations/).
The editors' MQM marks export to and import from the TSV layout of google/wmt-mqm-human-evaluation
(mqm.py), and `mtcheck calibrate` measures mtcheck's ranking on them (calibrate.py).

This package sits above report/ and editorial/; nothing below it imports it (pyproject.toml's contracts).
"""
