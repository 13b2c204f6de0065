// seaudit viewer: dates in the browser's locale and zone, and the live tail.
// Record values are only ever set with textContent, never parsed as markup.
"use strict";

function localise(root) {
  for (const el of root.querySelectorAll("time[datetime]")) {
    if (el.dataset.localised) continue;
    const when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) {
      el.textContent = when.toLocaleString();
      el.dataset.localised = "1";
    }
  }
}

function cell(tr, text) {
  const td = document.createElement("td");
  td.textContent = text;
  tr.appendChild(td);
  return td;
}

function liveRow(r) {
  const tr = document.createElement("tr");
  tr.dataset.seq = String(r.seq);
  tr.className = "new";
  const td = document.createElement("td");
  if (r.instant) {
    const t = document.createElement("time");
    t.setAttribute("datetime", r.instant);
    t.title = "recorded " + r.recorded;
    t.textContent = r.recorded;
    td.appendChild(t);
  } else {
    td.textContent = r.recorded;
  }
  tr.appendChild(td);
  cell(tr, r.status).title = r.status_word;
  cell(tr, r.event);
  cell(tr, r.user);
  const what = document.createElement("td");
  const a = document.createElement("a");
  a.href = "/record/" + encodeURIComponent(String(r.seq));
  a.textContent = r.what || "(record)";
  what.appendChild(a);
  tr.appendChild(what);
  cell(tr, r.program);
  cell(tr, r.terminal);
  cell(tr, r.node);
  return tr;
}

let source = null;

function setupLive(root) {
  const toggle = root.querySelector("#live-toggle");
  const table = root.querySelector("#records");
  if (!toggle || !table || toggle.dataset.wired) return;
  toggle.dataset.wired = "1";
  toggle.addEventListener("change", () => {
    if (source) { source.close(); source = null; }
    if (!toggle.checked) return;
    source = new EventSource(table.dataset.live);
    source.addEventListener("record", (ev) => {
      const record = JSON.parse(ev.data);
      // a record appended while the page was drawn may be on it already
      if (table.querySelector('tr[data-seq="' + String(Number(record.seq)) + '"]')) return;
      const row = liveRow(record);
      const body = table.tBodies[0];
      if (table.dataset.newest === "yes") body.insertBefore(row, body.firstChild);
      else body.appendChild(row);
      localise(row);
    });
  });
}

function init(root) {
  localise(root);
  setupLive(root);
}

document.addEventListener("DOMContentLoaded", () => init(document));
document.addEventListener("htmx:afterSettle", (ev) => {
  if (source) { source.close(); source = null; }
  init(document);
});
