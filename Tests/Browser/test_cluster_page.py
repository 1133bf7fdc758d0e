"""The Cluster page against three real nodes: every member with its role and health, one
leader, and a member that goes down shown as unreachable without a reload, since the page
refreshes itself."""
from console_page import Console


def roles(console):
    rows = console.visible("//table[@id='cluster-table']/tbody/tr")
    return sorted(row.find_element("xpath", "td[@data-label='Role']").text for row in rows)


def test_cluster_page_follows_the_cluster(cluster, cluster_browser):
    console = Console(cluster_browser, cluster.url)
    cluster_browser.get(cluster.url + "/console/")
    console.fill("Token", cluster.admin_token)
    console.press("Sign in")
    console.link("Cluster").click()
    console.wait_text("{{Secrets.Name}}")
    for member in ("node1 this node", "node2", "node3"):
        console.wait(lambda: "healthy" in console.row(member).text, f"{member} never showed as healthy")
    console.wait(lambda: roles(console) == ["follower", "follower", "leader"], "not one leader and two followers")
    console.wait_text("3, 3 reachable")
    console.screenshot("cluster")

    cluster.kill(3)
    console.wait(lambda: "unreachable" in console.row("node3").text, "node3 never showed as unreachable")
    console.wait_text("3, 2 reachable")
    console.wait(lambda: "healthy" in console.row("node1 this node").text, "node1 stopped showing as healthy")
    console.screenshot("cluster-member-down")
