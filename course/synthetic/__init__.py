"""Seeded generators of the course's synthetic datasets (``course data``); the run-time code never imports them.

- ``patients``: the patients' scale item responses (``datasets/patient_items.json``) from their designs;
- ``sessions``: per-session vital signs (``datasets/session_vitals.csv``);
- ``cohort``: the simulated GAD-7 cohort (``datasets/cohort_gad7.csv``) from ``datasets/cohort_design.yaml``.
"""
