// Times are written by the server (clusters/times.py): in the reader's language and time zone, "now"
// and "5 min ago" within the hour, the clock time or the date after that, the exact time in `title`.
// This file only (1) tells the server the browser's time zone, once, and (2) moves the relative ones
// on as the minutes pass, with the page's own words (<html data-time-now / data-time-minutes>) and,
// after the hour, the text the server gave for later (`data-at`). Nothing is formatted here.
(function () {
  "use strict";
  var html = document.documentElement;

  // (1) The browser's zone: a cookie for every request, and for a signed-in person, one POST per
  // browser that keeps it on their profile if they have none there (the server ignores it otherwise).
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
  var cookie = (document.cookie.match(/(?:^|; )puente_tz=([^;]*)/) || [])[1];
  if (zone && decodeURIComponent(cookie || "") !== zone) {
    document.cookie = "puente_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
  }
  var person = document.body && document.body.dataset.userId;
  var told = "puente:tz-told:" + person;
  var known = null;
  try { known = localStorage.getItem(told); } catch (e) { known = zone; /* no storage: the cookie does */ }
  if (zone && person && known !== zone && window.fetch) {
    var token = (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1];
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    token = token ? decodeURIComponent(token) : (input ? input.value : "");
    fetch("/time-zone/", {
      method: "POST", credentials: "same-origin", body: new URLSearchParams({ time_zone: zone }),
      headers: { "X-CSRFToken": token }
    }).then(function (response) {
      if (response.ok) { try { localStorage.setItem(told, zone); } catch (e) { /* asked again next time */ } }
    }).catch(function () { /* next visit */ });
  }

  // (2) "5 min ago" → "6 min ago" → the clock time, without a reload.
  var now = html.dataset.timeNow || "";
  var minutes = html.dataset.timeMinutes || "";
  function refresh(scope) {
    var at = Date.now();
    Array.prototype.forEach.call((scope || document).querySelectorAll("time[data-rel]"), function (node) {
      var seconds = (at - new Date(node.getAttribute("datetime")).getTime()) / 1000;
      if (isNaN(seconds)) return;
      var text;
      if (seconds < 60) text = now;
      else if (seconds < 3600) text = minutes.replace("{n}", String(Math.floor(seconds / 60)));
      else { text = node.dataset.at; node.removeAttribute("data-rel"); }
      if (text && node.textContent !== text) node.textContent = text;
    });
  }
  window.PuenteTimes = { format: refresh };
  setInterval(refresh, 30000);
})();
