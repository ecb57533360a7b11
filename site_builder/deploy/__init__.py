"""Deploy: publish the built site where readers are, sending only what changed.

Owns the [deploy.NAME] tables of site.toml (settings), each file's kind, upload rank and
headers (headers), the built site's manifest with its memo of hashes (manifest), the
comparison with the target's manifest (plan), the two kinds of target, S3-compatible object
storage (s3) and a web root on this machine switched atomically (webroot, with the nginx
snippet that serves it, nginx), the deploy command itself (command) and telling a WebSub hub
which feeds changed (ping).

May import: the pipeline and every layer below it.
"""
