"""Tests of the cloud runtime (layer + functions) against moto."""
