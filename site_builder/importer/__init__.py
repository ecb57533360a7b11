"""Import: a raw daily report, as it arrives, into a content file.

Owns the line rules (rules) and the conversion with its report (convert).

May import: the pipeline and every layer below it.
"""
