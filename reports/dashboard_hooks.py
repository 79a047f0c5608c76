"""Admin URLs and menu item of the city's dashboard."""
