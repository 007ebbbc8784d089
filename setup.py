"""The one compiled part of Clio: linking's word scan (bot/ingest/_words.c; bot/ingest/words.py says why). The
rest of the build is in pyproject.toml. Optional: where it cannot be built (no C compiler), bot/ingest/words.py
does the same in Python, and an ingest takes about a fifth longer."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("bot.ingest._words", ["bot/ingest/_words.c"], optional=True)])
