"use strict";

// Refreshes the tracker page from /ui/tracker.json every few seconds; keeps the last good view on errors.

function render(s) {
  if (!s.enabled) {
    document.getElementById("tracker-id").textContent = "off";
    document.getElementById("status").textContent = "The tracker is turned off on this hub.";
    return false;
  }
  document.getElementById("tracker-id").textContent = s.id;
  document.getElementById("tracker-url").textContent = s.url;
  document.getElementById("timeout").textContent = s.keepAliveTimeoutSeconds;
  document.getElementById("mode").textContent = s.legacyHttpStatus ? "legacy HTTP 200 answers" : "REST status codes";
  document.getElementById("files-total").textContent = s.totals.files;
  document.getElementById("peers-active").textContent = s.totals.activePeers;
  document.getElementById("peers-total").textContent = s.totals.peers;
  document.getElementById("members-online").textContent = s.members.filter(m => m.online).length + " / " + s.members.length;
  const hidden = s.totals.files - s.files.length;
  document.getElementById("files-note").textContent = hidden > 0 ? "The first " + s.files.length + " by id; " + hidden + " more not shown." : "";
  fill("members", s.members.map(m => [
    cell(m.name === m.id ? m.id : m.name + " (" + m.id + ")"), cell(m.endpoint),
    cell(m.online ? "online" : (m.lastSuccessSecondsAgo === null ? "not reached yet" : "offline"), m.online ? "ok" : "bad"),
    cell(String(m.queueDepth), "number"), cell(ago(m.lastSuccessSecondsAgo), "number"),
    cell(m.needsResync ? "needs re-sync" : "no", m.needsResync ? "bad" : ""), cell(String(m.deadLetters), "number"),
    cell(m.lastError || ""),
  ]), 8, "No federation members are configured (granary hub members add).");
  fill("files", s.files.map(f => [
    cell(String(f.id), "number"), cell(f.name), cell(f.fullHash.slice(0, 16), "", true),
    cell(f.activePeers === 0 ? "0 (no active host)" : String(f.activePeers), "number" + (f.activePeers === 0 ? " bad" : "")),
  ]), 4, "No files are tracked.");
  fill("peers", s.peers.map(p => [
    cell(p.guid, "", true), cell(p.ip), cell(String(p.files), "number"), cell(ago(p.keepAliveSecondsAgo), "number"),
  ]), 4, "No peer has kept alive recently.");
  return true;
}

poll(["tracker.json"], render);
