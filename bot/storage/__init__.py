"""The storage seam (issue 23): repositories per aggregate, with typed rows, behind which live all of that
aggregate's SQL and transactions. Each has a SQLite implementation (the embedded default, on the store's
tables) and a PostgreSQL one (chosen by CLIO_DATABASE_URL, on bot/pg_state.py's pool and migrations); the
services depend on the Protocol only, and one contract suite runs against both.

- `schedules`: daily-post subscriptions, the per-day post claims, admin notices.
"""
