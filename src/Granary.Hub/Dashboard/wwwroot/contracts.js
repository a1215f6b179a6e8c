"use strict";

// Refreshes the contracts page from the downstream node's public /api/downstream/v1/status/list/.

const farmersShown = 500;

function size(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(1)) + " " + units[i];
}

function render(s) {
  const farmers = s.farmers;
  const online = farmers.filter(f => f.online === 1);
  document.getElementById("farmers-online").textContent = online.length + " / " + farmers.length;
  document.getElementById("contracts-live").textContent = farmers.reduce((sum, f) => sum + f.contracts, 0);
  document.getElementById("bytes-live").textContent = size(farmers.reduce((sum, f) => sum + f.size, 0));
  document.getElementById("heartbeats").textContent = farmers.reduce((sum, f) => sum + f.heartbeats, 0);
  document.getElementById("farmers-note").textContent = farmers.length === farmersShown ? "The " + farmersShown + " with the most live contracts." : "";
  fill("farmers", farmers.map(f => [
    cell(f.id, "", true), cell(f.address, "", true), cell(f.online === 1 ? "yes" : "no", f.online === 1 ? "ok" : "bad"),
    cell(String(f.contracts), "number"), cell(size(f.size), "number"), cell(String(f.heartbeats), "number"),
    cell(f.uptime.toFixed(2) + " %", "number"), cell(f.last_due ? new Date(f.last_due).toLocaleString() : "never"),
  ]), 8, "No farmer holds a contract (granary node create --hub URL --farm-contracts N, or downstream-farmer).");
}

poll(["/api/downstream/v1/status/list/by/d/contracts/" + farmersShown], render);
