"""Thin Scrapy adapters: job sources -> requests -> fetched pages."""
