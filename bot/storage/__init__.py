"""The storage seam (issue 23, item 1): each aggregate's rows and transactions behind an interface, with typed
rows and one implementation per backend: SQLite (the embedded default, on the store's tables) and PostgreSQL
(chosen by CLIO_DATABASE_URL, on bot/pg_state.py's pool and migrations, imported only then). Services depend on
the interface only, and one contract suite runs against both.

- Quizzes (`bot.storage.quiz`): `QuizRepo` and its typed rows; `SqliteQuizRepo` (bot/storage/quiz_sqlite.py)
  and `PgQuizRepo` (bot/storage/quiz_pg.py).
- Schedules (`bot.storage.schedules`): daily-post subscriptions and weekly quiz nights, their per-day claims,
  and admin notices; `SqliteSchedules` and `PgSchedules`.

The readings, the pack and workspaces are still read and written through bot/store.py."""
