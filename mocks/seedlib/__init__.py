"""Helpers for mocks/seed_demo.py: the demo account's declarative spec, fake-secret generators,
deterministic deployment packages, metric series, expectation derivation and the boto3 seeder."""
