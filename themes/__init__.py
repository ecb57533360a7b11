"""The themes bundled with site-builder, installed as the package ``site_builder.themes``.

pyproject.toml maps this folder onto that package, so a wheel, an sdist and an editable
install all carry it, and output/templates.py finds it with importlib.resources. The file is
only needed for that mapping (setuptools' editable installs cannot map a folder without it);
a theme of a site's own needs none.
"""
