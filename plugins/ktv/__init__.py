"""The ktv business line (see ../shared/DOMAIN.md). Its rules arrive with its own issue."""
