"""The web console in a real browser against a real node: sign in, create a secret, see it
listed and confirmed, make sure its value is nowhere in the page or the browser's storage,
rotate it, check a template with one known and one unknown reference, delete it. Values are
typed into the form and never printed, not even when an assertion fails."""
import secrets as random_source

from console_page import Console

NAME = "PaymentsKey"


def assert_absent(value, held, where):
    leaked = value in held
    assert not leaked, f"a stored value appears in {where}"


def test_console_walkthrough(node, browser):
    console = Console(browser, node.url)
    first_value = "first-" + random_source.token_urlsafe(24)
    second_value = "second-" + random_source.token_urlsafe(24)

    # Sign in.
    browser.get(node.url + "/console/")
    console.wait_text("Sign in with an API token")
    console.screenshot("signin")
    console.fill("Token", node.admin_token)
    console.press("Sign in")

    # Secrets, by the menu.
    console.link("Secrets").click()
    console.one("//h1[normalize-space(.)='Secrets']", "Secrets heading")
    console.wait_text("{{Secrets.Name}}")
    console.wait_text("Names are case-insensitive")

    # Create Secret: Name and Value, then Create.
    console.press("Create Secret")
    console.fill("Name", NAME)
    console.fill("Value", first_value)
    console.press("Create")
    console.wait_text("Your secret is now securely stored")
    console.wait(lambda: "v1" in console.row(NAME).text, "the new row does not show version 1")
    assert console.field("Value", shown=False).get_attribute("value") == "", "Create clears the field"
    assert_absent(first_value, console.everything_a_page_holds(), "the page or browser storage after Create")
    assert console.storage() == '[["coffer.token"],[]]', "only the token is kept, in session storage"
    assert browser.execute_script("return document.cookie") == "", "no cookies"

    # Refused in the form with the server's message: a duplicate in another case, an invalid
    # name, an empty value.
    for name, value, message in [(NAME.lower(), "whatever", "already exists"),
                                 ("bad name", "whatever", "invalid secret name"),
                                 ("Another", "", "must not be empty")]:
        console.press("Create Secret")
        console.fill("Name", name)
        console.fill("Value", value)
        console.press("Create")
        console.wait(lambda: message in console.field("Name").find_element(
            "xpath", "ancestor::form").text, f"no message '{message}' in the form")
        console.press("Cancel")
    assert console.no_row("Another") and console.no_row("bad name")
    console.fill("Search", "payments")
    console.row(NAME)
    console.screenshot("secrets")
    console.screenshot("secrets-narrow", width=400)

    # Rotate with a typed value, then with Generate (shown once, forgotten when dismissed).
    console.press("Rotate", row=NAME)
    console.wait_text(f"Rotate {NAME}")
    console.fill("New value", second_value)
    console.press("Rotate", within=console.one("//dialog[@open]", "rotate dialog"))
    console.wait(lambda: "v2" in console.row(NAME).text, "the row never showed version 2")
    console.wait_text(f"{NAME} is rotated")
    held = console.everything_a_page_holds()
    assert_absent(first_value, held, "the page after rotation")
    assert_absent(second_value, held, "the page after rotation")

    console.press("Rotate", row=NAME)
    console.field("Generate").click()
    console.press("Rotate", within=console.one("//dialog[@open]", "rotate dialog"))
    shown = console.one("//code[contains(@class, 'once-value')]", "the generated value")
    generated = shown.text
    assert len(generated) >= 16
    # Copy puts it on the clipboard (granted to this origin only for the test).
    browser.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": node.url, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    console.press("Copy")
    console.wait_text("Copied.")
    copied = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0], () => arguments[0](null));")
    same = copied == generated      # compared apart, so a failure cannot print the value
    assert same, "Copy did not put the generated value on the clipboard"
    console.screenshot("secrets-generated")
    console.press("Dismiss")
    console.wait(lambda: "v3" in console.row(NAME).text, "the row never showed version 3")
    assert_absent(generated, console.everything_a_page_holds(), "the page after Dismiss")

    # Templates: one known reference (completed from the suggestions) and one unknown.
    console.link("Templates").click()
    console.wait_text("{{Secrets.Name}}")
    console.one("//label[normalize-space(.)='URL']/img[contains(@class, 'key')]", "key icon on URL")
    console.fill("URL", "https://api.example.com/v1/charges")
    headers = console.fill("Headers", "Authorization: Bearer {{Secrets.pay")
    console.press(NAME)
    console.wait(lambda: headers.get_attribute("value") == "Authorization: Bearer {{Secrets.PaymentsKey}}",
                 "the suggestion did not complete the reference")
    console.fill("Body", '{"amount": 100,\n "signature": "{{Secrets.Unknown}}"}')
    console.wait_text("Line 2, column 16: unknown secret 'Unknown'")
    console.one("//div[contains(@class, 'backdrop')]/mark[normalize-space(.)='{{Secrets.Unknown}}']",
                "a mark under the unknown reference")
    assert len(console.visible("//div[contains(@class, 'backdrop')]/mark")) == 1, "only the unknown reference is marked"
    console.press("Check")
    masked = console.one("//pre[@id='template-masked']", "the checked request")
    console.wait(lambda: "«PaymentsKey v3»" in masked.text, "no mask naming the secret and version")
    assert masked.text.startswith("POST https://api.example.com/v1/charges\nAuthorization: Bearer «PaymentsKey v3»")
    assert "{{Secrets.Unknown}}" in masked.text
    console.wait_text("1 problem: unknown secret 'Unknown'")
    held = console.everything_a_page_holds()
    for value in (first_value, second_value, generated):
        assert_absent(value, held, "the Templates page")
    console.screenshot("templates")

    # Cluster: the one node leads and is healthy.
    console.link("Cluster").click()
    # The table redraws itself every 2 s, so each look finds the row afresh.
    console.wait(lambda: "healthy" in console.row("node1 this node").text, "node1 never showed as healthy")
    console.wait(lambda: "leader" in console.row("node1 this node").text, "node1 never showed as the leader")
    console.wait_text("Leader\nnode1")

    # Tokens: create (shown once, forgotten when dismissed), then revoke.
    console.link("Tokens").click()
    console.fill("Token name", "browser-ci")
    console.press("Create Token")
    token = console.one("//code[contains(@class, 'once-value')]", "the new token").text
    assert token.startswith("cft_")
    console.row("browser-ci")
    console.press("Dismiss")
    assert_absent(token, console.everything_a_page_holds(), "the page after Dismiss")
    # A scoped, expiring token: the list says what it reaches.
    console.fill("Token name", "pay-gateway")
    console.fill("Secrets", "Payments*")
    console.fill("Lifetime", "1h")
    console.press("Create Token")
    console.one("//code[contains(@class, 'once-value')]", "the scoped token")
    console.wait(lambda: "Payments*; until" in console.row("pay-gateway").text, "the scoped token's reach is not shown")
    console.press("Dismiss")
    console.screenshot("tokens")
    console.press("Revoke", row="browser-ci")
    console.wait_text("Revoke browser-ci?")
    console.press("Revoke browser-ci")
    console.wait(lambda: console.no_row("browser-ci"), "the revoked token is still listed")

    # Hosts: the secret is bound to destinations, shown in its row.
    console.link("Secrets").click()
    console.press("Hosts", row=NAME)
    console.wait_text(f"Allowed hosts of {NAME}")
    console.fill("Allowed hosts", "api.example.com, *.example.com")
    console.press("Save Hosts")
    console.wait(lambda: "api.example.com, *.example.com" in console.row(NAME).text, "the secret's hosts are not shown")
    console.wait_text(f"{NAME} is rendered only to api.example.com, *.example.com.")

    # Report a leak: a new value, the version in use marked compromised, who used it named;
    # Versions shows the mark and the usage.
    console.press("Report leak", row=NAME)
    console.wait_text(f"Report {NAME} leaked")
    console.field("Generate").click()
    console.fill("Reason", "found in a public repository")
    console.press("Report Leak")
    console.wait_text("is marked compromised")
    leak_value = console.one("//code[contains(@class, 'once-value')]", "the value that replaced the leaked one").text
    console.press("Dismiss")
    console.press("Versions", row=NAME)
    console.wait_text(f"Versions of {NAME}")
    dialog = console.one("//dialog[@open]", "the versions")
    assert "found in a public repository" in dialog.text and "current" in dialog.text
    console.screenshot("versions")
    console.press("Close")

    # Delete, after a confirmation that names the secret.
    console.press("Delete", row=NAME)
    dialog = console.one("//dialog[@open]", "delete confirmation")
    assert f"The secret {NAME} and all its versions will be deleted" in dialog.text
    console.press(f"Delete {NAME}")
    console.wait_text(f"{NAME} is deleted.")
    console.wait(lambda: console.no_row(NAME), "the deleted secret is still listed")

    # Nor did any value reach the node's log.
    log = node.log_text()
    for value in (first_value, second_value, generated, token, leak_value):
        assert_absent(value, log, "the node's log")

    # The pages broke none of the Content-Security-Policy's rules.
    refused = [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]
    assert refused == []


def test_a_wrong_token_is_refused(node, browser):
    console = Console(browser, node.url)
    browser.get(node.url + "/console/")
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    console.fill("Token", "cft_0000000000000000_not-a-real-token")
    console.press("Sign in")
    console.wait_text("That token is not valid, or it was revoked.")
    assert console.storage() == "[[],[]]", "a refused token is not kept"


def test_keyboard_alone_creates_and_rotates_a_secret(node, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    console = Console(browser, node.url)
    keys = lambda *sequence: ActionChains(browser).send_keys(*sequence).perform()
    value = "keyboard-" + random_source.token_urlsafe(24)
    browser.get(node.url + "/console/#secrets")
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    console.wait(lambda: browser.switch_to.active_element.get_attribute("id") == "signin-token",
                 "the token field does not have the focus")
    keys(node.admin_token, Keys.ENTER)
    console.wait_text("{{Secrets.Name}}")
    for page in ["Secrets", "Templates", "Cluster", "Tokens"]:
        console.link(page).click()
        console.one(f"//h1[normalize-space(.)={page!r}]", f"{page} heading")
        assert console.unlabelled_controls() == [], f"unlabelled controls on {page}"
    console.link("Secrets").click()

    console.tab_to("Create Secret")
    keys(Keys.ENTER)
    console.wait(lambda: browser.switch_to.active_element.get_attribute("id") == "secret-name", "Name is not focused")
    keys("KeyboardKey", Keys.TAB, value, Keys.ENTER)
    console.wait_text("Your secret is now securely stored as KeyboardKey")
    console.wait(lambda: "v1" in console.row("KeyboardKey").text, "no row for KeyboardKey")

    console.tab_to("Rotate KeyboardKey")
    keys(Keys.ENTER)
    console.wait_text("Rotate KeyboardKey")
    keys(Keys.ESCAPE)
    console.wait(lambda: not console.visible("//dialog[@open]"), "Escape did not close the dialog")
    console.tab_to("Rotate KeyboardKey")
    keys(Keys.ENTER)
    console.wait_text("Rotate KeyboardKey")
    keys(Keys.TAB, Keys.SPACE, Keys.ENTER)   # to Generate, tick it, submit
    console.wait(lambda: "v2" in console.row("KeyboardKey").text, "the rotation did not happen")
    console.one("//code[contains(@class, 'once-value')]", "the generated value")
    assert_absent(value, console.everything_a_page_holds(), "the page after a keyboard-only create")
