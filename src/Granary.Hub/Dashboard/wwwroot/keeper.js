"use strict";

// Refreshes the keeper page from the hub's public /api/keeper/nodes and /api/keeper/files.

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "never";
}

function render(nodes, files) {
  document.getElementById("line").textContent = nodes.disqualifyBelow;
  const good = nodes.nodes.filter(n => n.state !== "disqualified" && n.reachable).length;
  document.getElementById("files-total").textContent = files.total;
  document.getElementById("files-short").textContent = files.files.filter(f => f.healthyShares < f.total).length;
  document.getElementById("nodes-good").textContent = good + " / " + nodes.nodes.length;
  document.getElementById("nodes-disqualified").textContent = nodes.nodes.filter(n => n.state === "disqualified").length;
  const hidden = files.total - files.files.length;
  document.getElementById("files-note").textContent = hidden > 0 ? "The " + files.files.length + " least healthy; " + hidden + " more not shown." : "";
  fill("nodes", nodes.nodes.map(n => [
    cell(n.id, "", true), cell(n.state, n.state === "disqualified" ? "bad" : n.state === "vetted" ? "ok" : ""),
    cell(n.score.toFixed(3), "number"), cell(String(n.auditsPassed), "number"), cell(String(n.auditsFailed), "number" + (n.auditsFailed > 0 ? " bad" : "")),
    cell(n.reachable ? "yes" : "no", n.reachable ? "ok" : "bad"), cell(when(n.lastAudit)), cell(n.lastFailure || ""),
  ]), 8, "No node holds a kept share yet.");
  fill("files", files.files.map(f => [
    cell(f.storageIndex, "", true), cell(f.healthyShares + " / " + f.total, "number" + (f.healthyShares < f.total ? " bad" : "")),
    cell(when(f.lastAudit)), cell(when(f.lastRepair)), cell(f.repairError || "", f.repairError ? "bad" : ""),
  ]), 5, "No file is kept (granary keep add CAP, or put with hubs in client.json).");
  fill("decisions", files.decisions.map(d => [
    cell(when(d.at)), cell(d.kind, d.kind === "repaired" || d.kind === "vetted" || d.kind === "node-back" ? "ok" : "bad"),
    cell(d.node || "", "", true), cell(d.storageIndex || "", "", true), cell(d.detail),
  ]), 5, "Nothing decided yet.");
}

poll(["/api/keeper/nodes", "/api/keeper/files"], render);
