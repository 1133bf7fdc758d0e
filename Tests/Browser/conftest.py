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
RUN_LIMIT_SECONDS = 480


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


def free_ports(count):
    """A first port of `count` consecutive ones nothing listens on now (coffer dev gives node i
    the first port + i - 1)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"found no {count} free consecutive ports")


class Deployment:
    """Nodes prepared by `coffer dev --prepare-only` and each run with `coffer server`; the
    browser talks to node1."""

    def __init__(self, directory, nodes=1):
        self.directory = Path(directory)
        self.nodes = nodes
        # API ports first, then peer ports, in one free run so the two ranges cannot overlap.
        self.api_port = free_ports(2 * nodes)
        peer_port = self.api_port + nodes
        subprocess.run(
            [str(COFFER), "dev", "--prepare-only", "--nodes", str(nodes), "--dir", str(self.directory),
             "--api-port", str(self.api_port), "--peer-port", str(peer_port)],
            check=True, capture_output=True, timeout=60)
        self.url = f"https://127.0.0.1:{self.api_port}"
        self.tls = ssl.create_default_context(cafile=str(self.directory / "ca.pem"))
        self.admin_token = (self.directory / "admin.token").read_text().strip()
        self.logs, self.processes = {}, {}
        for index in range(1, nodes + 1):
            self.logs[index] = open(self.directory / f"node{index}" / "log", "ab")
            self.processes[index] = subprocess.Popen(
                [str(COFFER), "server", "--config", str(self.directory / f"node{index}" / "config")],
                stdin=subprocess.DEVNULL, stdout=self.logs[index], stderr=self.logs[index])

    def request(self, path, token=None):
        request = urllib.request.Request(self.url + path)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, context=self.tls, timeout=5) as answer:
            return answer.status, json.loads(answer.read() or b"null")

    def wait_ready(self):
        """Until node1 answers and the bootstrap admin token works (so there is a leader)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for index, process in self.processes.items():
                if process.poll() is not None:
                    raise RuntimeError(f"node{index} exited at start: {self.log_tail(index)}")
            try:
                if self.request("/v1/secrets", self.admin_token)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"node1 did not become ready in 60 s: {self.log_tail(1)}")

    def log_tail(self, index):
        self.logs[index].flush()
        return (self.directory / f"node{index}" / "log").read_text(errors="replace")[-2000:]

    def log_text(self):
        """Every node's log."""
        for log in self.logs.values():
            log.flush()
        return "".join((self.directory / f"node{index}" / "log").read_text(errors="replace") for index in self.logs)

    def spki_hash(self):
        """base64(SHA-256(SubjectPublicKeyInfo)) of the node's certificate, the form Chromium's
        --ignore-certificate-errors-spki-list takes: it trusts this one key and nothing else."""
        certificate = str(self.directory / "node1" / "node.pem")
        public_key = subprocess.run(["openssl", "x509", "-in", certificate, "-noout", "-pubkey"],
                                    check=True, capture_output=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=public_key,
                             check=True, capture_output=True).stdout
        return base64.b64encode(hashlib.sha256(der).digest()).decode()

    def kill(self, index):
        """Stops node `index` at once, as a crash would."""
        self.processes[index].kill()
        self.processes[index].wait(timeout=15)

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        for log in self.logs.values():
            log.close()


def deployment(nodes):
    """A started deployment, stopped and removed when the caller is done."""
    assert COFFER.is_file(), f"build the coffer executable first (swift build): {COFFER}"
    with tempfile.TemporaryDirectory(prefix="coffer-browser-") as directory:
        started = Deployment(directory, nodes)
        try:
            started.wait_ready()
            yield started
        finally:
            started.stop()


def chromium(deployment):
    """Headless Chromium that trusts node1's key and nothing else, quit when the caller is done."""
    assert Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file(), \
        "install chromium and chromium-driver (make test does)"
    with tempfile.TemporaryDirectory(prefix="coffer-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", f"--user-data-dir={profile}",
                         f"--ignore-certificate-errors-spki-list={deployment.spki_hash()}",
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


@pytest.fixture(scope="session")
def node():
    """One node, for the walk through the pages."""
    yield from deployment(1)


@pytest.fixture(scope="session")
def browser(node):
    yield from chromium(node)


@pytest.fixture(scope="module")
def cluster():
    """Three nodes, for the Cluster page."""
    yield from deployment(3)


@pytest.fixture(scope="module")
def cluster_browser(cluster):
    yield from chromium(cluster)
