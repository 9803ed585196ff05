"""`mediamon web`: the read-only web view for analysts (Starlette + Jinja2, server-rendered, no CDN).

Owns: crawler/web/ (app, pages, feeds, auth), its templates and vendored static files, and
sql/queries/web.sql. May import crawler.store (connections, named queries) and crawler.analyst.search.
chart, textdiff and auth are pure.
"""
