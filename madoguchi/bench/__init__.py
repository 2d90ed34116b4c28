"""Benchmarks (`make bench`): webhook ingest, classifier, knowledge search. Figures go in the README."""
