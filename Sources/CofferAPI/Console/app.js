// The console's entry point: sign-in, the left menu, and which page shows (from the URL's
// fragment, so Back and bookmarks work).
import { api, session } from "./api.js";
import { $, addSyntaxHelp } from "./dom.js";
import { setUpSecrets, showSecrets, leaveSecrets } from "./secrets.js";
import { setUpTemplates, showTemplates } from "./templates.js";
import { showCluster, stopCluster } from "./cluster.js";
import { setUpTokens, showTokens, leaveTokens } from "./tokens.js";

const PAGES = {
  secrets: { show: showSecrets, leave: leaveSecrets },
  templates: { show: showTemplates, leave: () => {} },
  cluster: { show: showCluster, leave: stopCluster },
  tokens: { show: showTokens, leave: leaveTokens },
};
let current = null;

function leaveCurrent() {
  if (current) PAGES[current].leave();
  current = null;
}

async function route() {
  if (!session.token) return showSignIn();
  $("signin").hidden = true;
  $("shell").hidden = false;
  const page = PAGES[location.hash.slice(1)] ? location.hash.slice(1) : "secrets";
  if (page === current) return;
  leaveCurrent();
  current = page;
  for (const name of Object.keys(PAGES)) $(`page-${name}`).hidden = name !== page;
  for (const link of document.querySelectorAll(".menu a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.title = `${$(`${page}-title`).textContent} · Coffer console`;
  $("main").focus({ preventScroll: true });
  await PAGES[page].show();
}

function showSignIn(message = "") {
  leaveCurrent();
  $("shell").hidden = true;
  $("signin").hidden = false;
  $("signin-error").textContent = message;
  document.title = "Sign in · Coffer console";
  $("signin-token").focus();
}

function signOut(message) {
  session.signOut();
  showSignIn(message);
}

async function signIn(event) {
  event.preventDefault();
  const field = $("signin-token");
  const token = field.value.trim();
  field.value = "";
  if (!token) return showSignIn("Enter a token.");
  session.signIn(token);
  try {
    await api("GET", "/v1/secrets");
  } catch (failure) {
    session.signOut();
    // A token that awaits a second admin's approval is real: the node's answer says so.
    const waiting = failure.body?.error?.code === "awaiting_approval";
    return showSignIn(failure.status === 401 && !waiting ? "That token is not valid, or it was revoked." : failure.message);
  }
  current = null;
  if (!location.hash) history.replaceState(null, "", "#secrets");
  await route();
}

async function showNodeName() {
  try {
    const health = await api("GET", "/healthz");
    $("node-name").textContent = `node ${health.node}`;
  } catch {
    $("node-name").textContent = "";
  }
}

addSyntaxHelp();
setUpSecrets();
setUpTemplates();
setUpTokens();
$("signin-form").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => signOut("You are signed out."));
window.addEventListener("hashchange", route);
window.addEventListener("coffer:unauthorized", () => signOut("The token stopped working (revoked?). Sign in again."));
showNodeName();
route();
