"""Topic matching: the one query language of topics and search (`query`: parser and syntax tree) and
compiled matchers that evaluate that tree on article text (`topics`). Pure.

May import: `crawler.models`, `crawler.errors`, `crawler.langtags`. No network, database or clock.
"""
