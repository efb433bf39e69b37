"""Shared infrastructure that every app may use and that imports no app: the cache backend and kept HTML
(cache, kept), rate limits (ratelimit), retries of conflicting transactions (retry), input at the edge
(params), sentences put into words in the reader's language (words), the websocket origin check
(websocket), sending to channel-layer groups after the commit (realtime), the page cap (handlers), health
checks (health), logs and middleware. config/ wires it in."""
