"""The release's static site: entity pages, index pages, the query page and w3id.org redirect rules."""

from .build import SITE_DIR, SiteResult, build_site

__all__ = ["SITE_DIR", "SiteResult", "build_site"]
