"""The order in which the sandbox asks its route modules to answer a request."""

from __future__ import annotations


def default_routes() -> list:
    from vigie_sandbox import graph, twitter, web, youtube, youtube_search

    return [graph.route, twitter.route, youtube_search.route, youtube.route, web.route]
