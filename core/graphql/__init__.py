"""The core GraphQL types, root fields and HTTP/WebSocket glue (composed by ``schema/``)."""
