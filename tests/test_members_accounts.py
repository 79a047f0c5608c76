"""Hotel user accounts in the members area: sign-up, e-mail verification, login, password reset,
invitations to a business."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from members import accounts
from participants.models import Business, Membership

from .factories import BusinessFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "kakunin-Pass-2025"


def _link(message, pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+({pattern}\S*)", message.body)
    assert match, f"no link matching {pattern} in:\n{message.body}"
    return match.group(1)


def _sign_up(client, email="Owner@Hotel.example.jp", password=PASSWORD, **extra):
    data = {"email": email, "name": "青葉 太郎", "password1": password, "password2": password, **extra}
    return client.post("/members/signup/", data, follow=True)


BUSINESS_DATA = {
    "name": "株式会社秋保温泉旅館",
    "representative": "秋保 一郎",
    "representative_title": "代表取締役",
    "postal_code": "９８２－０２４１",
    "address": "仙台市太白区秋保町湯元1-1",
    "contact_person": "秋保 花子",
    "phone": "022-398-0000",
    "email": "Info@Akiu.example.jp",
}


def test_sign_up_verify_and_create_the_business(client):
    response = _sign_up(client)
    assert response.redirect_chain[-1][0] == "/members/signup/sent/"
    assert "owner@hotel.example.jp 宛てに確認のメールをお送りしました" in response.content.decode()
    user = User.objects.get(username="owner@hotel.example.jp")
    assert not user.is_active and user.email == "owner@hotel.example.jp" and not user.is_staff
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["owner@hotel.example.jp"]
    assert "3日間" in mail.outbox[0].body

    # Not verified yet: logging in says so.
    response = client.post("/members/login/", {"username": "owner@hotel.example.jp", "password": PASSWORD})
    assert "メールアドレスの確認が済んでいません" in response.content.decode()

    response = client.get(_link(mail.outbox[0], "/members/verify/"), follow=True)
    assert response.redirect_chain[-1][0] == "/members/business/new/"
    assert "メールアドレスを確認しました" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active
    assert response.context["user"] == user

    # The business form: full-width postal code is normalised, the user becomes its owner.
    response = client.post("/members/business/new/", BUSINESS_DATA, follow=True)
    assert response.redirect_chain[-1][0] == "/members/"
    business = Business.objects.get(name="株式会社秋保温泉旅館")
    assert business.postal_code == "982-0241" and business.email == "info@akiu.example.jp"
    membership = Membership.objects.get(user=user)
    assert membership.business == business and membership.is_owner
    assert "株式会社秋保温泉旅館" in response.content.decode()


def test_verification_link_works_once_and_not_after_three_days(client, monkeypatch):
    _sign_up(client)
    link = _link(mail.outbox[0], "/members/verify/")
    monkeypatch.setattr(accounts, "VERIFY_MAX_AGE", datetime.timedelta(seconds=-1))
    response = client.get(link)
    assert response.status_code == 400
    assert "有効期限（3日間）が切れています" in response.content.decode()
    assert not User.objects.get(username="owner@hotel.example.jp").is_active
    monkeypatch.undo()
    assert client.get(link).status_code == 302
    client.post("/members/logout/")
    response = client.get(link)
    assert response.status_code == 400 and "確認済みです" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_tampered_verification_token_is_refused(client):
    _sign_up(client)
    link = _link(mail.outbox[0], "/members/verify/")
    response = client.get(link.replace("/verify/", "/verify/x"))
    assert response.status_code == 400
    assert "確認用リンクが正しくありません" in response.content.decode()
    response = client.get("/members/verify/not-a-token/")
    assert response.status_code == 400
    assert not User.objects.get(username="owner@hotel.example.jp").is_active


def test_sign_up_errors_are_shown_and_nothing_is_created(client):
    response = _sign_up(client, password2="something-else-2025")
    page = response.content.decode()
    assert "確認用のパスワードが一致しません。" in page
    assert 'value="Owner@Hotel.example.jp"' in page  # the input is kept as typed
    assert 'aria-invalid="true"' in page and 'href="#id_password2"' in page
    response = _sign_up(client, password="12345678", password2="12345678")
    page = response.content.decode()
    assert "このパスワードは短すぎます" in page and "数字しか使われていません" in page
    assert not User.objects.filter(username="owner@hotel.example.jp").exists()
    assert not mail.outbox


def test_sign_up_with_a_registered_address_tells_the_owner_only(client):
    existing = make_member(email="taken@hotel.example.jp")
    response = _sign_up(client, email="TAKEN@hotel.example.jp")
    assert response.redirect_chain[-1][0] == "/members/signup/sent/"  # the visitor learns nothing
    assert User.objects.filter(username="taken@hotel.example.jp").count() == 1
    assert mail.outbox[0].to == ["taken@hotel.example.jp"]
    assert "すでに登録されています" in mail.outbox[0].body
    assert "/members/password-reset/" in mail.outbox[0].body
    existing.refresh_from_db()
    assert existing.is_active


def test_verification_mail_can_be_resent(client):
    _sign_up(client)
    response = client.post("/members/signup/resend/", {"email": "OWNER@hotel.example.jp"}, follow=True)
    assert "確認メールを再送しました" in response.content.decode()
    assert len(mail.outbox) == 2
    assert client.get(_link(mail.outbox[1], "/members/verify/")).status_code == 302
    # An active account gets no verification mail.
    client.post("/members/signup/resend/", {"email": "owner@hotel.example.jp"})
    assert len(mail.outbox) == 2


def test_login_by_email_in_any_case_and_logout(client):
    user = make_member(email="front@hotel.example.jp")
    response = client.post(
        "/members/login/", {"username": "Front@Hotel.Example.JP", "password": "wrong-password"}
    )
    assert "メールアドレスまたはパスワードが正しくありません" in response.content.decode()
    response = client.post(
        "/members/login/", {"username": "Front@Hotel.Example.JP", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == "/members/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/members/logout/").status_code == 405  # logout is a POST
    response = client.post("/members/logout/")
    assert response["Location"] == "/members/login/"
    assert "_auth_user_id" not in client.session


def test_login_follows_next_and_english_stays_english(client):
    make_member(email="front@hotel.example.jp")
    response = client.get("/en/members/notices/")
    assert response["Location"] == "/en/members/login/?next=/en/members/notices/"
    response = client.post(
        "/en/members/login/?next=/en/members/notices/",
        {
            "username": "front@hotel.example.jp",
            "password": "correct-horse-battery",
            "next": "/en/members/notices/",
        },
    )
    assert response["Location"] == "/en/members/notices/"


def test_staff_are_sent_to_the_admin(client):
    UserFactory(username="staff@city.example.jp", is_staff=True, role="reviewer")
    response = client.post(
        "/members/login/", {"username": "staff@city.example.jp", "password": "correct-horse-battery"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/members/")["Location"] == "/admin/"


def test_members_pages_need_login_and_a_business(client):
    assert client.get("/members/")["Location"] == "/members/login/?next=/members/"
    user = UserFactory(username="nobiz@hotel.example.jp")
    client.force_login(user)
    assert client.get("/members/")["Location"] == "/members/business/new/"
    assert client.get("/members/notices/")["Location"] == "/members/business/new/"
    response = client.get("/members/business/new/")
    assert response.status_code == 200 and "事業者情報の登録" in response.content.decode()


def test_business_form_errors_keep_the_input(client):
    user = UserFactory(username="nobiz@hotel.example.jp")
    client.force_login(user)
    response = client.post("/members/business/new/", {**BUSINESS_DATA, "phone": "abc", "representative": ""})
    page = response.content.decode()
    assert "電話番号は半角数字とハイフンで入力してください" in page
    assert 'href="#id_representative"' in page and 'id="id_phone_error"' in page
    assert 'value="株式会社秋保温泉旅館"' in page
    assert not Membership.objects.filter(user=user).exists()


def test_password_reset_by_mail(client):
    user = make_member(email="forgot@hotel.example.jp")
    response = client.post("/members/password-reset/", {"email": "forgot@hotel.example.jp"}, follow=True)
    assert response.redirect_chain[-1][0] == "/members/password-reset/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["forgot@hotel.example.jp"]
    link = _link(mail.outbox[0], "/members/password-reset/")
    response = client.get(link, follow=True)  # Django swaps the token for a session value
    assert response.status_code == 200 and "新しいパスワードの設定" in response.content.decode()
    new = "atarashii-Pass-2025"
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/members/password-reset/complete/"
    user.refresh_from_db()
    assert user.check_password(new)
    response = client.get(link)
    assert "有効期限が切れています" in client.get(link, follow=True).content.decode()


def test_password_reset_sends_nothing_for_unknown_addresses_or_staff(client):
    UserFactory(username="staff@city.example.jp", email="staff@city.example.jp", is_staff=True)
    client.post("/members/password-reset/", {"email": "nobody@hotel.example.jp"})
    client.post("/members/password-reset/", {"email": "staff@city.example.jp"})
    assert not mail.outbox


def test_owner_invites_a_colleague_who_joins_the_business(client):
    business = BusinessFactory(name="株式会社作並ホテル")
    owner = make_member(business, email="owner@sakunami.example.jp")
    owner.first_name = "作並 一郎"
    owner.save()
    client.force_login(owner)
    response = client.post("/members/users/", {"email": "Staff@Sakunami.example.jp"}, follow=True)
    assert "staff@sakunami.example.jp に招待メールを送りました" in response.content.decode()
    assert mail.outbox[0].to == ["staff@sakunami.example.jp"]
    assert "株式会社作並ホテル" in mail.outbox[0].subject and "作並 一郎" in mail.outbox[0].body
    link = _link(mail.outbox[0], "/members/invitation/")
    client.post("/members/logout/")

    response = client.get(link)
    page = response.content.decode()
    assert "staff@sakunami.example.jp の方が、株式会社作並ホテル の利用者として招待されています" in page
    response = client.post(link, {"name": "作並 次郎", "password1": PASSWORD, "password2": "other-Pass-2025"})
    assert "確認用のパスワードが一致しません。" in response.content.decode()
    response = client.post(
        link, {"name": "作並 次郎", "password1": PASSWORD, "password2": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/members/"
    invitee = User.objects.get(username="staff@sakunami.example.jp")
    assert invitee.is_active and invitee.first_name == "作並 次郎"
    assert invitee.membership.business == business and not invitee.membership.is_owner
    assert "株式会社作並ホテル の利用者になりました" in response.content.decode()
    # Used: the address has an account now, so the link asks to log in instead.
    client.post("/members/logout/")
    assert "ログインしてから" in client.get(link).content.decode()
    assert business.memberships.count() == 2


def test_invitation_can_be_accepted_by_an_existing_user_without_business(client):
    business = BusinessFactory()
    link = "/members/invitation/" + accounts.invitation_token(business, "solo@hotel.example.jp") + "/"
    user = UserFactory(username="solo@hotel.example.jp")
    other = UserFactory(username="other@hotel.example.jp")
    client.force_login(other)
    assert "招待先のメールアドレスが異なります" in client.get(link).content.decode()
    client.post(link)
    assert not Membership.objects.filter(user=other).exists()
    client.force_login(user)
    response = client.post(link, follow=True)
    assert response.redirect_chain[-1][0] == "/members/"
    assert Membership.objects.get(user=user).business == business


def test_bad_and_expired_invitations(client, monkeypatch):
    business = BusinessFactory()
    token = accounts.invitation_token(business, "late@hotel.example.jp")
    response = client.get(f"/members/invitation/{token}x/")
    assert response.status_code == 400 and "招待リンクが正しくありません" in response.content.decode()
    monkeypatch.setattr(accounts, "INVITE_MAX_AGE", datetime.timedelta(seconds=-1))
    response = client.get(f"/members/invitation/{token}/")
    assert response.status_code == 400 and "有効期限（7日間）が切れています" in response.content.decode()
    assert not User.objects.filter(username="late@hotel.example.jp").exists()


def test_only_owners_invite_and_members_cannot_be_invited_twice(client):
    business = BusinessFactory()
    owner = make_member(business, email="owner@hotel.example.jp")
    colleague = make_member(business, email="colleague@hotel.example.jp", is_owner=False)
    client.force_login(colleague)
    response = client.post("/members/users/", {"email": "new@hotel.example.jp"})
    assert "管理者ができます" in response.content.decode()
    assert not mail.outbox
    client.force_login(owner)
    response = client.post("/members/users/", {"email": "COLLEAGUE@hotel.example.jp"})
    assert "すでにこの事業者の利用者です" in response.content.decode()
    assert not mail.outbox


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_public_page_for_businesses_links_to_the_members_area(client, seeded, prefix):
    page = client.get(f"{prefix}/for-businesses/").content.decode()
    assert f'href="{prefix}/members/signup/"' in page and f'href="{prefix}/members/login/"' in page
    assert client.get(f"{prefix}/members/signup/").status_code == 200


def test_language_switcher_keeps_the_members_page(client):
    page = client.get("/members/login/").content.decode()
    assert 'href="/en/members/login/"' in page
    page = client.get("/en/members/signup/").content.decode()
    assert 'href="/members/signup/"' in page
