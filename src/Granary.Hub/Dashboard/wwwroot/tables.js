"use strict";

// What both dashboard pages use to draw their tables (loaded before app.js or tracker.js).

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
