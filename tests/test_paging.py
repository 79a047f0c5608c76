"""core.paging.ShortListPaginator: a short list is read once, without COUNT(*); pages as Paginator."""

import pytest
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.paging import ShortListPaginator

pytestmark = pytest.mark.django_db


def users(count: int):
    model = get_user_model()
    model.objects.bulk_create([model(username=f"paging-{number:03d}") for number in range(count)])
    return model.objects.filter(username__startswith="paging-").order_by("username")


def read(paginator, number):
    with CaptureQueriesContext(connection) as captured:
        page = paginator.get_page(number)
        names = [user.username for user in page.object_list]
        figures = (page.number, paginator.count, paginator.num_pages, page.has_next())
    return names, figures, [query["sql"] for query in captured]


@pytest.mark.parametrize("count", [0, 1, 5])
def test_a_list_that_fits_on_the_first_page_is_not_counted(count):
    names, figures, sql = read(ShortListPaginator(users(count), 5), None)
    assert len(names) == count and figures == (1, count, 1, False)
    assert len(sql) == 1 and "COUNT(" not in sql[0]


@pytest.mark.parametrize("number", [None, 1, "1", 2, "3", "99", "abc", 0])
def test_longer_lists_page_as_django_does(number):
    queryset = users(12)
    ours = read(ShortListPaginator(queryset, 5), number)
    django = read(Paginator(queryset, 5), number)
    assert ours[:2] == django[:2]
    assert len(ours[2]) <= 3


def test_orphans_are_left_to_django():
    queryset = users(6)
    ours = read(ShortListPaginator(queryset, 5, orphans=1), 1)
    assert ours[:2] == read(Paginator(queryset, 5, orphans=1), 1)[:2]
