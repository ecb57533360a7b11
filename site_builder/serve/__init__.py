"""The preview server: build into a private folder, serve it on 127.0.0.1, rebuild on change.

Owns watching the site (server), the HTTP server (http), live reload (livereload)
and the pages of a build in flight, rendered on request (ondemand).

May import: the pipeline and every layer below it.
"""
