"""Evaluation harness: golden questions, outside benchmarks, reports."""
