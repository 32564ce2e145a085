"""The property business line (see ../shared/DOMAIN.md). Its rules arrive with its own issue."""
