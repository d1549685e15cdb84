"""Scrapy project: one spider per source kind, persisting through hub.store.

The spiders reuse the parsers in hub.sources (the same ones `hub import` uses), so a
crawled response and a recorded file of the same format become identical items.
"""
