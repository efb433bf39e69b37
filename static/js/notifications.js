// Keeps the navigation's notification badge live (the `user-<id>` group over /ws/notifications/).
// On a room page room.js already holds a socket that carries the same frames, so this one stays off.
(function () {
  "use strict";
  var badge = document.querySelector("[data-notifications-badge]");
  if (!badge || !window.WebSocket || !document.body.dataset.userId) return;
  var attempts = 0;

  function connect() {
    if (document.getElementById("room")) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/ws/notifications/");
    ws.onopen = function () { attempts = 0; };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "notification") {
        badge.dataset.count = frame.unread;
        badge.textContent = frame.unread || "";
        // The phone's "Menu" toggle carries unread messages and notifications together.
        var menu = document.querySelector("[data-menu-badge]");
        var messages = document.querySelector("[data-messages-badge]");
        if (menu) {
          var total = frame.unread + (messages ? parseInt(messages.dataset.count, 10) || 0 : 0);
          menu.dataset.count = total;
          menu.textContent = total || "";
        }
      }
    };
    ws.onclose = function (event) {
      if (event.code === 4401 || event.code === 4403) return;
      var delay = Math.min(60000, 1000 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      attempts++;
      setTimeout(connect, delay);
    };
  }
  connect();
})();
