"""The incremental machinery: what changed since the last build, and what to record of this one.

Owns the build cache (cache, and what its failed writes say: cache_errors), what a build
reads seen cheaply and the cached parses (inputs), the version stamps of the model's parts
(versions), and the site's lock, one writer at a time (lock). The stages do not call it; the
pipeline does, and the commands take the lock.

May import: tagging, content and the core.
"""
