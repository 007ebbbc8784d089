"""Clio on Discord (discord.py): app commands generated from the core registry, embeds, persistent buttons."""
