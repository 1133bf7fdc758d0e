"""Finds the console's controls the way a person does: by their visible names."""
import json
import os
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 15


def literal(text):
    """`text` as an XPath string literal."""
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


class Console:
    def __init__(self, driver, url):
        self.driver = driver
        self.url = url

    def wait(self, condition, message):
        def attempt(driver):
            try:
                return condition()
            except StaleElementReferenceException:
                return False
        return WebDriverWait(self.driver, WAIT_SECONDS).until(attempt, message)

    def visible(self, xpath, within=None):
        root = within or self.driver
        return [element for element in root.find_elements(By.XPATH, xpath) if element.is_displayed()]

    def one(self, xpath, what, within=None):
        return self.wait(lambda: (self.visible(xpath, within) or [None])[0], f"no visible {what}")

    def button(self, name, within=None, row=None):
        """The visible button named `name`; with `row`, the one in that table row."""
        scope = f"//tr[th[normalize-space(.)={literal(row)}]]" if row else "."
        return self.one(f"{scope}//button[normalize-space(.)={literal(name)}]", f"button '{name}'", within)

    def press(self, name, within=None, row=None):
        """Finds and clicks a button in one step, again if the page redrew it in between."""
        def attempt():
            self.button(name, within, row).click()
            return True
        self.wait(attempt, f"could not press '{name}'")

    def link(self, name):
        return self.one(f"//a[normalize-space(.)={literal(name)}]", f"link '{name}'")

    def field(self, label, shown=True):
        """The control a label names (its text without an icon's alternative text); with
        `shown` false, also one in a closed form."""
        xpath = f"//label[normalize-space(.)={literal(label)}]"
        element = self.one(xpath, f"label '{label}'") if shown else self.driver.find_element(By.XPATH, xpath)
        return self.driver.find_element(By.ID, element.get_attribute("for"))

    def fill(self, label, text):
        control = self.field(label)
        control.clear()
        control.send_keys(text)
        return control

    def row(self, name):
        """The table row whose header cell reads `name`."""
        return self.one(f"//tr[th[normalize-space(.)={literal(name)}]]", f"row '{name}'")

    def no_row(self, name):
        return not self.visible(f"//tr[th[normalize-space(.)={literal(name)}]]")

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def wait_text(self, fragment):
        return self.wait(lambda: fragment in self.text(), f"the page never said '{fragment}'")

    def everything_a_page_holds(self):
        """The page's HTML, the values of all its controls and both storages, as one string."""
        held = self.driver.execute_script("""
            const storage = (store) => Object.fromEntries(Object.keys(store).map((key) => [key, store.getItem(key)]));
            return JSON.stringify({
              controls: [...document.querySelectorAll("input, textarea, select")].map((control) => control.value),
              session: storage(sessionStorage), local: storage(localStorage),
            });""")
        return self.driver.page_source + json.loads(held).__repr__()

    def storage(self):
        return self.driver.execute_script(
            "return JSON.stringify([Object.keys(sessionStorage), Object.keys(localStorage)]);")

    def screenshot(self, name, width=1280):
        """Saves a whole-page screenshot when SCREENSHOT_DIR is set (make screenshots)."""
        directory = os.environ.get("SCREENSHOT_DIR")
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        size = self.driver.get_window_size()
        self.driver.set_window_size(width, 900)
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(width, max(900 if width > 720 else 800, height + 160))
        self.driver.save_screenshot(str(Path(directory) / f"console-{name}.png"))
        self.driver.set_window_size(size["width"], size["height"])

    def tab_to(self, name, limit=60):
        """Presses Tab until the focused control's name (its aria-label, else its text) is `name`."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
        for _ in range(limit):
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
            focused = self.driver.switch_to.active_element
            if (focused.get_attribute("aria-label") or focused.text.strip()) == name:
                return focused
        raise AssertionError(f"Tab never reached '{name}'")

    def unlabelled_controls(self):
        """Visible controls a screen reader could not name."""
        return self.driver.execute_script("""
            const shown = (element) => element.offsetParent !== null;
            return [...document.querySelectorAll("input, select, textarea, button, a[href]")].filter(shown)
              .filter((control) => {
                if (control.matches("button, a")) return !(control.textContent.trim() || control.getAttribute("aria-label"));
                return control.labels.length === 0 && !control.getAttribute("aria-label");
              }).map((control) => control.outerHTML.slice(0, 80));""")
