"""Cohort operations for programs and instructors: ``course cohort ...``.

A cohort is a *workspace* outside the repository that holds an nbgrader course directory (config,
gradebook, ``source/``, ``release/``, ``submitted/``, ``autograded/``, ``feedback/``), an nbgrader
exchange, the roster and the grading state. Everything here drives nbgrader (its API, gradebook,
exchange and preprocessors); it adds parallel grading with a status for every submission, a sandbox
for the graded code, feedback without hidden tests, a dashboard, exports and certificates.

This file stays import-light: the sandbox's kernel launcher imports this package on every kernel start.
"""
