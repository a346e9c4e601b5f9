"""The progress page in a real browser when the session ends while it polls: the
script stops and the page sends the visitor to log in, rather than polling forever."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_e2e_generation import queued, signed_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_session_ending_while_it_polls_sends_the_visitor_to_log_in(
    browser_context, live_server, client, owner
):
    page = signed_in(browser_context(), client, owner, live_server)
    generation = queued(owner)
    page.goto(f"/studio/generations/{generation.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Queued")

    client.logout()  # the browser's session, which the test client shares, ends

    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign In")
