/* The office's only script: pages work without it; it saves a click and keeps progress live. */
(function () {
  "use strict";

  // A picker submits itself when a choice changes (its button stays for keyboards and no-JS).
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // "Select all" boxes tick every box of their form.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      all.form.querySelectorAll("input[name='" + all.dataset.selectAll + "']").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });

  // Confirmation before a form that cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });

  // The navigation's "More" list closes on a click elsewhere or Escape (it opens without us).
  var more = document.querySelector(".office-bar details");
  if (more) {
    document.addEventListener("click", function (event) {
      if (more.open && !more.contains(event.target)) { more.open = false; }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && more.open) { more.open = false; }
    });
  }

  var live = document.getElementById("progress");
  if (!live || !live.dataset.events) { return; }
  var status = document.getElementById("live-status");
  var busy = false;
  var again = false;

  function say(key) {
    if (status && status.dataset[key]) { status.textContent = status.dataset[key]; }
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("progress");
        if (fresh) { live.innerHTML = fresh.innerHTML; }
      })
      .catch(function () { /* the next notice or poll tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  var polling = null;
  function poll() {
    if (polling) { return; }
    say("polling");
    polling = window.setInterval(refresh, (Number(live.dataset.poll) || 5) * 1000);
  }

  if (!window.EventSource) { poll(); return; }
  var source = new EventSource(live.dataset.events);
  var opened = false;
  source.addEventListener("open", function () {
    say("live");
    // After a reconnection, catch up on what happened while the stream was down.
    if (opened) { refresh(); }
    opened = true;
  });
  source.addEventListener("progress", refresh);
  source.addEventListener("error", function () {
    // Closed for good (an answer other than an event stream): poll instead. A dropped
    // connection reconnects by itself; meanwhile polling keeps the page current.
    if (source.readyState === EventSource.CLOSED) { poll(); }
  });
}());
