/* Vigil alert queue: fetch the rows every few seconds so a new alert shows up without a reload.
   The rows are rendered by the server (the same template as the first page load). */
(function () {
  "use strict";
  var table = document.getElementById("queue");
  if (!table) { return; }
  var body = document.getElementById("queue-rows");
  var status = document.getElementById("queue-status");
  var url = table.getAttribute("data-rows-url");
  var INTERVAL_MS = Number(table.getAttribute("data-poll-ms")) || 3000;

  function countOf(root) { return root.querySelectorAll("tr[data-alert-id]").length; }

  function busy() {
    // Never swap rows under someone choosing a disposition or typing a note.
    if (body.querySelector("details[open]")) { return true; }
    var active = document.activeElement;
    return Boolean(active && active !== body && body.contains(active) && active.tagName !== "A");
  }

  function announce(count, waiting) {
    var text = count + " open alert" + (count === 1 ? "" : "s") + "." +
      (waiting ? " The list will refresh when you close the open form." : "");
    if (status.textContent !== text) { status.textContent = text; }
  }

  function apply(html) {
    var fresh = document.createElement("tbody");
    fresh.innerHTML = html;
    if (busy()) {  // keep the rows under the nurse's hands; still say how many there are now
      announce(countOf(fresh), countOf(fresh) !== countOf(body));
      return;
    }
    // Compare what a person sees; the forms' CSRF tokens differ on every render and do not count.
    if (fresh.textContent !== body.textContent) { body.innerHTML = html; }
    announce(countOf(body), false);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null) { apply(html); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { window.setTimeout(poll, INTERVAL_MS); });
  }

  window.setTimeout(poll, INTERVAL_MS);
}());
