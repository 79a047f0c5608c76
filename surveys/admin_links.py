urlpatterns: list = []


def menu_items() -> list:
    return []
