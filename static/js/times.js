// Writes every <time datetime> of a page (or of a part of it) from its ISO 8601 timestamp, in the page's
// language and the reader's own time zone: the room's messages, from the page and from the socket alike,
// and the conversation list. The server's text is what a reader without JavaScript sees.
(function () {
  "use strict";
  // "now", "5 min ago" within the hour, the time today, the weekday within the week, the date
  // before; the exact date and time on hover.
  var lang = document.documentElement.lang || undefined;
  function formatter(options) {
    try { return new Intl.DateTimeFormat(lang, options); } catch (e) { return new Intl.DateTimeFormat(undefined, options); }
  }
  var clock = formatter({ hour: "2-digit", minute: "2-digit" });
  var weekday = formatter({ weekday: "short", hour: "2-digit", minute: "2-digit" });
  var dayMonth = formatter({ day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  var full = formatter({ year: "numeric", month: "long", day: "numeric", weekday: "long", hour: "2-digit", minute: "2-digit" });
  var relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" }) : null;

  function timeText(date, now) {
    var seconds = (now - date) / 1000;
    if (relative && seconds < 60 && seconds > -60) return relative.format(0, "second");
    if (relative && seconds > 0 && seconds < 3600) return relative.format(-Math.floor(seconds / 60), "minute");
    var midnight = new Date(now); midnight.setHours(0, 0, 0, 0);
    if (date >= midnight) return clock.format(date);
    if (now - date < 6 * 86400000) return weekday.format(date);
    return dayMonth.format(date);
  }

  function formatTimes(scope) {
    var now = new Date();
    Array.prototype.forEach.call(scope.querySelectorAll("time[datetime]"), function (node) {
      var date = new Date(node.getAttribute("datetime"));
      if (isNaN(date)) return;
      node.textContent = timeText(date, now);
      node.title = full.format(date);
    });
  }
  window.PuenteTimes = { format: formatTimes };
  formatTimes(document);
  setInterval(function () { formatTimes(document); }, 30000);
})();
