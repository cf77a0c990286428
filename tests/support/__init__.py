"""Helpers shared by the unit and browser tests."""
