"""Scrapy settings for hub's crawls: polite by default, tuned from hub.toml [crawl]."""

from __future__ import annotations

from typing import Any

BOT_NAME = "hub"
# Statuses that reach the spider (to be recorded); 3xx stay with RedirectMiddleware.
RECORDED_STATUSES = [304, 400, 401, 403, 404, 410, 429, 451, 500, 502, 503, 504]


def scrapy_settings(crawl: dict[str, Any]) -> dict[str, Any]:
    """hub.toml [crawl] values -> Scrapy settings."""
    return {
        "BOT_NAME": BOT_NAME,
        "USER_AGENT": crawl["user_agent"],
        "ROBOTSTXT_OBEY": False,  # replaced by RobotsGuardMiddleware (checks every request)
        "HUB_OBEY_ROBOTS": crawl["obey_robots"],
        "DOWNLOAD_TIMEOUT": crawl["timeout_s"],
        "DOWNLOAD_MAXSIZE": crawl["max_bytes"],
        "DOWNLOAD_WARNSIZE": 0,
        "DOWNLOAD_DELAY": crawl["delay_s"],
        "RANDOMIZE_DOWNLOAD_DELAY": crawl["delay_s"] > 0,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl["per_host"],
        "AUTOTHROTTLE_ENABLED": crawl["delay_s"] > 0,
        "AUTOTHROTTLE_START_DELAY": max(crawl["delay_s"], 0.5),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": crawl["retries"],
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        "HUB_BACKOFF_S": crawl["backoff_s"],
        "HUB_RETRY_AFTER_CAP_S": crawl["retry_after_cap_s"],
        "REDIRECT_MAX_TIMES": crawl["max_redirects"],
        "HTTPCACHE_ENABLED": False,
        "HTTPCACHE_IGNORE_HTTP_CODES": [429, 500, 502, 503, 504],
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "HUB_STOP_FILE": crawl.get("stop_file"),
        "HUB_ALLOW_LINK_LOCAL": bool(crawl.get("allow_link_local", False)),
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "spiders.middlewares.SafeUrlMiddleware": 50,
            "spiders.middlewares.RobotsGuardMiddleware": 100,
            "spiders.middlewares.PoliteRetryMiddleware": 550,
            "spiders.middlewares.ApiBudgetMiddleware": 560,
            "spiders.middlewares.SafeRedirectMiddleware": 600,
        },
        # Only http(s) is ever fetched: no handler for file:, data:, ftp: or s3: URLs
        # (SafeUrlMiddleware refuses them first; this is the second lock).
        "DOWNLOAD_HANDLERS": {
            "http": "spiders.middlewares.StoppableHTTPHandler",
            "https": "spiders.middlewares.StoppableHTTPHandler",
            "file": None,
            "data": None,
            "ftp": None,
            "s3": None,
        },
        "ITEM_PIPELINES": {"spiders.pipelines.StorePipeline": 300},
    }
