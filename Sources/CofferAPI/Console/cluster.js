// The Cluster page: members, their roles, the leader, term, commit and applied index and
// health, as the answering node sees them; it refreshes itself while it is shown.
import { api } from "./api.js";
import { $, el, fillTable } from "./dom.js";

const REFRESH_MS = 2000;
let timer = null;

export async function showCluster() {
  stopCluster();
  await refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

export function stopCluster() {
  clearInterval(timer);
  timer = null;
}

async function refresh() {
  let status;
  try {
    status = await api("GET", "/v1/cluster");
    $("cluster-error").textContent = "";
  } catch (failure) {
    $("cluster-error").textContent = failure.message;
    return;
  }
  const leader = status.members.find((member) => member.id === status.leader);
  const healthy = status.members.filter((member) => member.reachable).length;
  const summary = [
    ["Answering node", status.node],
    ["Leader", status.leader ?? "none (an election is under way or there is no quorum)"],
    ["Term", leader?.term ?? "—"],
    ["Members", `${status.members.length}, ${healthy} reachable`],
  ];
  $("cluster-summary").replaceChildren(...summary.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, String(value))]));
  const rows = status.members.map((member) => el("tr", {},
    el("th", { scope: "row" }, member.id, " ", member.id === status.node ? el("span", { class: "tag" }, "this node") : null),
    el("td", {}, member.membership),
    el("td", {}, member.role ?? "unknown"),
    el("td", {}, member.term ?? "—"),
    el("td", {}, member.commit ?? "—"),
    el("td", {}, member.applied ?? "—"),
    el("td", {}, el("span", { class: member.reachable ? "health ok" : "health down" }, member.reachable ? "healthy" : "unreachable")),
    el("td", {}, el("code", {}, member.apiAddress))));
  fillTable($("cluster-table"), rows);
  $("cluster-updated").textContent = `Updated ${new Date().toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} seconds.`;
}
