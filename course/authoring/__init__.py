"""Authoring tools: ``course build`` (lessons to releases), the start page, the conventions lessons follow."""
