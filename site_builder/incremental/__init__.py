"""The incremental machinery: what changed since the last build, and what to record of this one.

Owns the build cache (cache, and what its failed writes say: cache_errors), what a build
reads seen cheaply and the cached parses (inputs), the version stamps of the model's parts
(versions), the page keys derived from each page's inputs record (keys: the Stamper), what
the builder remembers of its builds of an output folder (memory: BuildMemory), and the
site's lock, one writer at a time (lock). The pipeline calls BuildMemory; the plan stage
keys pages with the Stamper; the commands take the lock.

May import: tagging, content and the core.
"""
