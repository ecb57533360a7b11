"""Output: the site's files, from the model, into a folder swapped in whole.

Owns what templates see (views, dates, paging), the interface's words in each language
(i18n: gettext catalogs under site_builder/locale), the theme (templates), the page plan
(pages; each page kind's inputs record and its view: page_views), rendering in workers
(render), feeds (feeds makes the entries; feed_formats is what an entry is, the feed
file names, and the RSS, Atom and JSON writers; feed_times), sitemaps, each day's email
edition (edition), and the atomic write (write).

May import: incremental, tagging, content and the core.
"""
