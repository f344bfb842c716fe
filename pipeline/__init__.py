"""Prefect flows and deployments for docmine (import name ``docmine_pipeline``).

The library (``docmine``) never imports Prefect; these flows orchestrate its
functions. ``pipeline/cli.py`` adds the flow commands (``run``, ``serve``,
``reextract``) to the ``docmine`` command line.
"""
