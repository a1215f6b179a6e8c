"use strict";

// What every dashboard page uses to draw its tables and refresh itself (loaded before the page's own script).

function ago(seconds) {
  if (seconds === null || seconds === undefined) return "never";
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
  return Math.floor(seconds / 3600) + " h ago";
}

function cell(text, className, code) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (code) {
    const c = document.createElement("code");
    c.textContent = text;
    td.appendChild(c);
  } else {
    td.textContent = text;
  }
  return td;
}

function fill(tableId, rows, columns, emptyText) {
  const body = document.querySelector("#" + tableId + " tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = cell(emptyText);
    td.colSpan = columns;
    tr.appendChild(td);
    body.appendChild(tr);
    return;
  }
  for (const cells of rows) {
    const tr = document.createElement("tr");
    cells.forEach(c => tr.appendChild(c));
    body.appendChild(tr);
  }
}

// Fetches `paths` now and every five seconds and hands their JSON to `render`; the status line says
// when the page was last updated, or that the hub cannot be reached. A render that returns false
// has drawn a message of its own (e.g. "the tracker is off") and leaves the status line alone.
function poll(paths, render) {
  async function refresh() {
    const status = document.getElementById("status");
    try {
      const answers = await Promise.all(paths.map(async path => {
        const response = await fetch(path, { cache: "no-store" });
        if (!response.ok) throw new Error("the hub answered " + response.status);
        return response.json();
      }));
      if (render(...answers) !== false) {
        status.textContent = "updated " + new Date().toLocaleTimeString();
        status.classList.remove("error");
      }
    } catch (e) {
      status.textContent = "cannot reach the hub (" + e.message + "); retrying";
      status.classList.add("error");
    }
  }

  refresh();
  setInterval(refresh, 5000);
}
