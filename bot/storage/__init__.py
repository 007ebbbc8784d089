"""The storage seam (issue 23, item 1): each aggregate's rows and transactions behind an interface, with one
implementation per backend. Services depend on the interface only.

- Quizzes (`bot.storage.quiz`): `QuizRepo` and its typed rows; `SqliteQuizRepo` (bot/storage/quiz_sqlite.py,
  the default) and `PgQuizRepo` (bot/storage/quiz_pg.py, chosen by CLIO_DATABASE_URL, imported only then).

The readings, the pack, schedules and workspaces are still read and written through bot/store.py."""
