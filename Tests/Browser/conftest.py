"""Fixtures for the browser test: one real Coffer node (real process, real TLS) on 127.0.0.1,
and headless Chromium driven through Debian's chromedriver. Both are stopped when the test
ends, and the whole run is bounded by an alarm."""
import base64
import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
COFFER = Path(os.environ.get("COFFER_BIN", ROOT / ".build" / "debug" / "coffer"))
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
RUN_LIMIT_SECONDS = 300


@pytest.fixture(autouse=True, scope="session")
def bounded_run():
    """Fails the run, rather than hanging it, if anything waits forever."""
    def expire(signum, frame):
        raise TimeoutError(f"the browser test ran longer than {RUN_LIMIT_SECONDS} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(RUN_LIMIT_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Node:
    """A single-node deployment prepared by `coffer dev --prepare-only` and run with `coffer server`."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.api_port, peer_port = free_port(), free_port()
        subprocess.run(
            [str(COFFER), "dev", "--prepare-only", "--nodes", "1", "--dir", str(self.directory),
             "--api-port", str(self.api_port), "--peer-port", str(peer_port)],
            check=True, capture_output=True, timeout=60)
        self.url = f"https://127.0.0.1:{self.api_port}"
        self.tls = ssl.create_default_context(cafile=str(self.directory / "ca.pem"))
        self.admin_token = (self.directory / "admin.token").read_text().strip()
        self.log = open(self.directory / "node1" / "log", "ab")
        self.process = subprocess.Popen(
            [str(COFFER), "server", "--config", str(self.directory / "node1" / "config")],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def request(self, path, token=None):
        request = urllib.request.Request(self.url + path)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, context=self.tls, timeout=5) as answer:
            return answer.status, json.loads(answer.read() or b"null")

    def wait_ready(self):
        """Until the node answers and its bootstrap admin token works."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the node exited at start; see " + str(self.directory / "node1" / "log"))
            try:
                if self.request("/v1/secrets", self.admin_token)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the node did not become ready")

    def log_text(self):
        self.log.flush()
        return (self.directory / "node1" / "log").read_text(errors="replace")

    def spki_hash(self):
        """base64(SHA-256(SubjectPublicKeyInfo)) of the node's certificate, the form Chromium's
        --ignore-certificate-errors-spki-list takes: it trusts this one key and nothing else."""
        certificate = str(self.directory / "node1" / "node.pem")
        public_key = subprocess.run(["openssl", "x509", "-in", certificate, "-noout", "-pubkey"],
                                    check=True, capture_output=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public_key,
                             check=True, capture_output=True).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.log.close()


@pytest.fixture(scope="session")
def node():
    assert COFFER.is_file(), f"build the coffer executable first (swift build): {COFFER}"
    with tempfile.TemporaryDirectory(prefix="coffer-browser-") as directory:
        started = Node(directory)
        try:
            started.wait_ready()
            yield started
        finally:
            started.stop()


@pytest.fixture(scope="session")
def browser(node):
    assert Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file(), \
        "install chromium and chromium-driver (make test does)"
    with tempfile.TemporaryDirectory(prefix="coffer-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", f"--user-data-dir={profile}",
                         f"--ignore-certificate-errors-spki-list={node.spki_hash()}",
                         "--no-first-run", "--disable-extensions", "--disable-sync"]:
            options.add_argument(argument)
        # No password manager: it would offer to keep what is typed into a password field.
        options.add_experimental_option("prefs", {
            "credentials_enable_service": False, "profile.password_manager_enabled": False})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()
