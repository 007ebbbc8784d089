"""Clio: the platform-neutral core of a chat bot for history study groups."""

__version__ = "0.1.0"
