"""Adapters: each converts a platform's input to the core's, and renders the core's replies back."""
