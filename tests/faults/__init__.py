"""Proof under pressure: dependency failures and concurrent requests (docs/proof.md)."""
