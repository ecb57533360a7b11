"""site_builder: a static site generator for a daily tech-finance briefing.

The build is a pipeline of stages (pipeline.py) over one immutable site model (model.py). The
code is in layers; a module imports only from its own package and from the layers below it,
and packages on one line do not import each other (tests/site/test_architecture.py holds the code
to this table, and docs/architecture.md draws it):

    cli: cli, __main__
    verbs: serve, importer, deploy, newsletter
    setup: scaffold, about
    pipeline: pipeline
    search: search
    output: output
    incremental: incremental
    tagging: tagging
    content: content
    core: config, errors, model, index, report, stamps, file_memo, bodies, workers, faults, websub
"""

__version__ = "0.1.0"
