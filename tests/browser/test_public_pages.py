"""Every public page type, in Japanese and English: axe-core clean, keyboard reachable, reflows."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import assert_accessible, axe_violations

# One URL of every public page type in each language. Later features add theirs here.
PUBLIC_PAGES = [
    "/",
    "/about/",
    "/how-to-use/",
    "/for-businesses/",
    "/news/",
    "/news/site-open/",
    "/contact/",
    "/accessibility/",
    "/privacy/",
    "/facilities/",
    "/facilities/?q=温泉&feature=parking&available=1",
    "/facilities/?q=存在しない施設&ward=izumi",
    "/facilities/D001/",
    "/facilities/D019/",
    "/facilities/sold-out/",
    "/faq/",
    "/faq/?category=business-info&q=書類",
]
ALL_PAGES = [*PUBLIC_PAGES, *[f"/en{path}" for path in PUBLIC_PAGES]]


def _open(page: Any, live_site: str, path: str) -> None:
    response = page.goto(f"{live_site}{path}")
    assert response is not None and response.status == 200, f"{path} answered {response and response.status}"


@pytest.mark.parametrize("path", ALL_PAGES)
def test_page_has_no_axe_violations(page: Any, live_site: str, path: str) -> None:
    _open(page, live_site, path)
    expected_lang = "en" if path.startswith("/en/") else "ja"
    assert page.get_attribute("html", "lang") == expected_lang
    assert page.locator("h1").count() == 1, "every page has exactly one h1"
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/", "/about/", "/en/", "/en/news/"])
def test_skip_link_is_first_and_moves_focus_to_main(page: Any, live_site: str, path: str) -> None:
    _open(page, live_site, path)
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className, href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"cls": "skip-link", "href": "#main"}
    assert page.locator(".skip-link").is_visible(), "the skip link is visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # The next Tab stop is inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")


def test_tab_order_reaches_main_content_without_skip_link(page: Any, live_site: str) -> None:
    """Tabbing through the header in order ends up in the main content (no keyboard trap)."""
    _open(page, live_site, "/")
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        inside_main = page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
        seen.append(page.evaluate("() => document.activeElement.textContent.trim()"))
        if inside_main:
            break
    else:
        pytest.fail(f"Tab never reached the main content; focus went through: {seen}")


@pytest.mark.parametrize("width", [320, 640])
@pytest.mark.parametrize("path", ["/", "/about/", "/en/about/", "/news/"])
def test_page_reflows_without_horizontal_scroll(browser: Any, live_site: str, width: int, path: str) -> None:
    """320 CSS px is a small phone; 640 px is a 1280 px window at 200% zoom."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        _open(page, live_site, path)
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{path} is {scroll_width}px wide at a {width}px viewport"
    finally:
        context.close()


def test_core_functions_work_without_javascript(browser: Any, live_site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _open(page, live_site, "/how-to-use/")
        answer = page.locator(".accordion__answer").first
        assert not answer.is_visible()
        page.locator(".accordion__question").first.click()
        assert answer.is_visible(), "Q&A opens without JavaScript (<details>)"
        page.get_by_role("link", name="English").click()
        assert page.url.endswith("/en/how-to-use/")
        assert page.get_attribute("html", "lang") == "en"
    finally:
        context.close()


def test_language_switcher_links_to_the_translated_page(page: Any, live_site: str) -> None:
    _open(page, live_site, "/about/")
    link = page.locator(".language-switcher a")
    assert link.get_attribute("lang") == "en"
    link.click()
    assert page.url == f"{live_site}/en/about/"
    page.locator(".language-switcher a").click()
    assert page.url == f"{live_site}/about/"


def test_not_found_page_is_accessible(page: Any, live_site: str) -> None:
    response = page.goto(f"{live_site}/no-such-page/")
    assert response is not None and response.status == 404
    assert_accessible(page)


def test_the_accessibility_check_itself_catches_violations(page: Any, live_site: str) -> None:
    """Guards the guard: a page with an image without alt text and low-contrast text must fail."""
    _open(page, live_site, "/")
    page.evaluate(
        """() => {
            const main = document.getElementById('main');
            main.insertAdjacentHTML('beforeend',
                '<img src="/static/img/none.png"><p style="color:#bbb;background:#fff">薄い文字</p>');
        }"""
    )
    violations = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "color-contrast"} <= violations


def test_facility_search_works_with_the_keyboard_and_without_javascript(browser: Any, live_site: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _open(page, live_site, "/facilities/")
        page.get_by_label("キーワード").fill("ｱｷｳ")
        page.get_by_label("駐車場").check()
        page.get_by_role("button", name="この条件で探す").click()
        assert "q=%EF%BD%B1%EF%BD%B7%EF%BD%B3" in page.url and "feature=parking" in page.url
        status = page.locator(".guide-results__count").inner_text()
        assert "件の施設が見つかりました" in status
        names = page.locator(".facility-card__name").all_inner_texts()
        assert names and all("秋保" in name for name in names)
        page.locator(".facility-card__name a").first.click()
        assert page.locator("h1").inner_text() == names[0]
    finally:
        context.close()


# --- Content-Security-Policy: no page of the public site, members area or surveys breaks it ---------------

# Registered before any page script runs (Playwright injects it outside the page's CSP).
CSP_PROBE = (
    "window.__cspViolations = [];"
    "document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push("
    "`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));"
)
DEMO_HOTEL = ("hotel-approved@example.jp", "hotel-demo-2025")
SURVEY_PAGES = ["/survey/traveller-survey/", "/en/survey/traveller-survey/"]


class CSPWatch:
    """A browser context with the site's real CSP (no bypass) that records every violation."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        self.context.add_init_script(CSP_PROBE)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda message: (
                self.console.append(message.text)
                if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
                else None
            ),
        )

    def violations(self) -> list[str]:
        self.page.wait_for_timeout(50)  # violation events are queued as tasks
        return [*self.page.evaluate("() => window.__cspViolations || []"), *self.console]

    def visit(self, url: str, expected_status: int = 200) -> list[str]:
        response = self.page.goto(url)
        assert response is not None and response.status == expected_status, (
            f"{url}: {response and response.status}"
        )
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, f"{url}: {policy}"
        return self.violations()


def test_public_pages_break_no_content_security_policy(browser: Any, live_site: str) -> None:
    watch = CSPWatch(browser)
    try:
        found = {path: watch.visit(f"{live_site}{path}") for path in ALL_PAGES}
        found["/no-such-page/"] = watch.visit(f"{live_site}/no-such-page/", expected_status=404)
        for path in SURVEY_PAGES:
            found[path] = watch.visit(f"{live_site}{path}")
            watch.page.locator("main form button[type=submit]").last.click()  # a page with errors
            found[f"{path} (errors)"] = watch.violations()
    finally:
        watch.context.close()
    assert not {path: seen for path, seen in found.items() if seen}


def test_members_area_breaks_no_content_security_policy(browser: Any, live_site: str) -> None:
    """The demo hotel's pages one link deep from the dashboard, its facility pages and a printable card."""
    watch = CSPWatch(browser)
    page = watch.page
    found: dict[str, list[str]] = {}
    try:
        for path in ("/members/login/", "/members/signup/", "/members/password-reset/", "/en/members/login/"):
            found[path] = watch.visit(f"{live_site}{path}")
        page.goto(f"{live_site}/members/login/")
        page.locator("#id_username").fill(DEMO_HOTEL[0])
        page.locator("#id_password").fill(DEMO_HOTEL[1])
        page.locator("form.member-form button[type=submit]").click()
        page.wait_for_url(f"{live_site}/members/")
        found["/members/"] = watch.violations()
        links = page.evaluate(
            "() => [...document.querySelectorAll('main a[href^=\"/members/\"]:not([download])')]"
            ".map((a) => a.getAttribute('href'))"
        )
        paths = sorted(
            {href for href in links if "logout" not in href and not href.endswith((".csv", ".xlsx"))}
        )
        assert len(paths) >= 3, paths
        for path in paths:
            found[path] = watch.visit(f"{live_site}{path}")
            if "/facilities/" in path:
                cards = page.evaluate(
                    "() => [...document.querySelectorAll('a[href$=\"/card/\"]')]"
                    ".map((a) => a.getAttribute('href'))"
                )
                for card in cards[:1]:
                    found[card] = watch.visit(f"{live_site}{card}")
                    assert page.locator("button[data-print]").count() == 1
    finally:
        watch.context.close()
    assert not {path: seen for path, seen in found.items() if seen}


def test_the_csp_watch_itself_sees_inline_script_and_style(browser: Any, live_site: str) -> None:
    """Guards the guard: an injected inline script and an inline style attribute are both reported."""
    watch = CSPWatch(browser)
    try:
        assert watch.visit(f"{live_site}/") == []
        watch.page.evaluate(
            """() => {
                const script = document.createElement('script');
                script.textContent = 'window.__ran = true;';
                document.body.appendChild(script);
                document.getElementById('main').insertAdjacentHTML('beforeend', '<p style="color:red">x</p>');
            }"""
        )
        seen = " ".join(watch.violations())
        assert watch.page.evaluate("() => window.__ran === undefined"), "the inline script must not run"
        assert "script-src" in seen and "style-src" in seen, seen
    finally:
        watch.context.close()
