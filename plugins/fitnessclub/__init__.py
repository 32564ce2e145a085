"""The fitnessclub business line (see ../shared/DOMAIN.md). Its rules arrive with its own issue."""
