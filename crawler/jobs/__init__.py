"""Job files -> typed, validated `Job` values.

Owns: the pydantic job model (`jobs`), the TOML line/field mapping for error messages (`tomlmap`) and the
jobs directory of `serve` (`jobdir`). May import: `crawler.match` (topic queries are validated here),
`crawler.alerts.subscriptions` (the `[[alerts]]` model), `crawler.errors`. No network, database or clock.
"""
