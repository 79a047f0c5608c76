"""Admin URLs and menu item of the report packs (monthly and final)."""
