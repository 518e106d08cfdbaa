"""What a new person does in Chromium to get an account: open an instructor's invite link signed out and sign up."""

from playwright.sync_api import Page


def sign_up_from_invite(page: Page, invite_url: str, *, username: str, email: str, password: str) -> None:
    """Open ``invite_url`` signed out, press "Create an account and join", fill in the form and send it; wait for
    "Your cohorts", where the new member lands."""
    page.goto(invite_url)
    page.get_by_role("button", name="Create an account and join").click()
    page.wait_for_selector("h1:has-text('Create an account')")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_selector("h1:has-text('Cohorts you belong to')")
