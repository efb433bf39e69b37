// Keeps the navigation's badges (notifications, unread messages) live (the `user-<id>` group over /ws/notifications/).
// On a room page room.js already holds a socket that carries the same frames, so this one stays off.
(function () {
  "use strict";
  var badge = document.querySelector("[data-notifications-badge]");
  if (!badge || !window.WebSocket || !document.body.dataset.userId) return;
  var messagesBadge = document.querySelector("[data-messages-badge]");
  var attempts = 0;

  function setBadge(node, count) {
    node.dataset.count = count;
    node.textContent = count || "";
  }

  // The phone's "Menu" toggle carries unread messages and notifications together.
  function setMenuBadge() {
    var menu = document.querySelector("[data-menu-badge]");
    if (!menu) return;
    var messages = messagesBadge ? Number(messagesBadge.dataset.count) || 0 : 0;
    setBadge(menu, (Number(badge.dataset.count) || 0) + messages);
  }

  // On the conversation list, a change in the unread messages brings the list up to date (order,
  // previews, counts) without reloading the page.
  function refreshRooms() {
    var rooms = document.querySelector("[data-rooms]");
    if (!rooms || !window.fetch) return;
    fetch(location.href, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-rooms]");
      if (!fresh) return;
      rooms.replaceWith(fresh);
      if (window.PuenteTimes) window.PuenteTimes.format(fresh);
    }).catch(function () { /* the next change tries again */ });
  }

  function connect() {
    if (document.getElementById("room")) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/ws/notifications/");
    ws.onopen = function () { attempts = 0; };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "notification") {
        setBadge(badge, frame.unread);
        setMenuBadge();
      } else if (frame.type === "counts") {
        setBadge(badge, frame.notifications);
        var before = messagesBadge ? Number(messagesBadge.dataset.count) : 0;
        if (messagesBadge) setBadge(messagesBadge, frame.messages);
        setMenuBadge();
        if (frame.messages !== before) refreshRooms();
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
