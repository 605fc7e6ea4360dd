"""The data layer: every data file the course reads, each checked against its schema on load.

Content lives in ``datasets/`` (patients, references, claims, thresholds, screening rules, syllabus,
routes, regimens, modalities, cases, the simulated cohort's design), never in Python code; an error names
the file and the field.
"""
