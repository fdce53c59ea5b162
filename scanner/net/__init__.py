"""The open web, safely: one bounded HTTP fetcher (`fetch`), its address policy (`addresses`),
profile pictures (`images`), link liveness (`links`). Websites are crawled by `scanner.discovery.sites`.
"""
