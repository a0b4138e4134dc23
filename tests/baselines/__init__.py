"""Seeded regression baselines (see :mod:`tests.baselines.producers`)."""
