"""Topic matching: the topic/search query language (`query`) and compiled matchers (`topics`). Pure.

May import: `crawler.models`, `crawler.errors`. No network, database or clock.
"""
