"""Search: the Pagefind index of the story pages, in bundles by week, month and half-year.

Owns which bundles a build makes again (shards), the cut-down pages Pagefind reads (pages),
the filters it writes (pagefind_files) and running it beside the renderers (indexer).

May import: output, incremental, tagging, content and the core.
"""
