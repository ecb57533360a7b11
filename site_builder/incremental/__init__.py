"""The incremental machinery: what changed since the last build, and what to record of this one.

Owns the build cache (cache), what a build reads seen cheaply and the cached parses (inputs),
and the version stamps of the model's parts (versions). The stages do not call it; the
pipeline does.

May import: tagging, content and the core.
"""
