// The portal works without this file. With it: times in the reader's own zone, a note when a
// new message arrived on the open conversation, and no double submit of a form.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var format;
  try {
    format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  } catch (e) {
    format = null;
  }
  if (format) {
    var times = document.querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when.getTime())) times[i].textContent = format.format(when);
    }
  }

  var forms = document.querySelectorAll("form");
  for (var j = 0; j < forms.length; j++) {
    forms[j].addEventListener("submit", function (event) {
      var form = event.currentTarget;
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      var buttons = form.querySelectorAll("button[type=submit]");
      for (var k = 0; k < buttons.length; k++) buttons[k].setAttribute("disabled", "");
    });
  }

  var live = document.getElementById("live");
  if (!live || !window.fetch) return;
  var url = live.getAttribute("data-latest-url");
  var known = Number(live.getAttribute("data-latest")) || 0;
  function check() {
    if (document.hidden || !live.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && typeof body.latest === "number" && body.latest > known) live.hidden = false;
      })
      .catch(function () {});
  }
  setInterval(check, 10000);
  document.addEventListener("visibilitychange", check);
})();
