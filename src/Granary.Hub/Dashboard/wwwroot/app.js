"use strict";

// Refreshes the page from /ui/status.json every few seconds; keeps the last good view on errors.

function bytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

function render(s) {
  document.getElementById("hub-address").textContent = s.hub.address;
  document.getElementById("hub-database").textContent = s.hub.database;
  document.getElementById("hub-version").textContent = s.hub.version;
  document.getElementById("farmers-online").textContent = s.totals.farmersOnline;
  document.getElementById("farmers-registered").textContent = s.totals.farmersRegistered;
  document.getElementById("total-tb").textContent = s.totals.totalTB;
  document.getElementById("storage-servers").textContent = s.totals.storageServers;
  document.getElementById("free-space").textContent = bytes(s.totals.availableBytes);
  document.getElementById("capacity").textContent = bytes(s.totals.capacityBytes);
  const hidden = s.totals.farmersOnline - s.farmers.length;
  document.getElementById("farmers-note").textContent =
    "Seen within the last " + Math.round(s.hub.onlineWindowSeconds / 60) + " min, tallest first" +
    (hidden > 0 ? "; " + hidden + " more not shown." : ".");
  fill("farmers", s.farmers.map(f => [
    cell(f.btcAddr, "", true), cell(f.payoutAddr, "", true), cell(String(f.height), "number"), cell(ago(f.lastSeenSeconds), "number"),
    f.heightAudit
      ? cell((f.heightAudit.passed ? "passed" : "failed") + " " + ago(f.heightAudit.secondsAgo) + ": " + f.heightAudit.detail, f.heightAudit.passed ? "ok" : "bad")
      : cell("never"),
  ]), 5, "No farmer is online.");
  fill("servers", s.servers.map(v => [
    cell(v.nodeId.slice(0, 12), "", true), cell(v.endpoint), cell(bytes(v.availableBytes), "number"),
    cell(bytes(v.capacityBytes), "number"), cell(v.version), cell(ago(v.announcedSecondsAgo), "number"),
  ]), 6, "No storage server has announced itself.");
}

poll(["status.json"], render);
