// Upgrades a room page to a live one over /ws/rooms/<id>/ (frames: docs/PROTOCOL.md).
// Without this file the page still works: the composer is a plain form, "load older" a plain link.
//
// Nothing lost, nothing doubled: every message has an id and the page keeps the ids it shows. After
// each (re)connect it asks for everything after the highest id it holds ("resync"), and for the edits
// and deletions of the ones it holds since it last heard from the server; it ignores a message whose
// id it already shows. A message typed while offline waits in the outbox with its
// client id and is sent again after reconnecting; the server stores one message per client id.
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) return;

  // --- Times ------------------------------------------------------------------------------------
  // Every message's time, from the page and from the socket alike, is written here from its ISO 8601
  // timestamp, in the page's language and the reader's own time zone (the server's text is what a
  // reader without JavaScript sees): "now", "5 min ago" within the hour, the time today, the weekday
  // within the week, the date before; the exact date and time on hover.
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
  formatTimes(root);
  setInterval(function () { formatTimes(root); }, 30000);

  if (!window.WebSocket || root.dataset.live !== "1") return;

  var list = root.querySelector("[data-messages]");
  var scroller = root.querySelector("[data-scroller]");
  var jump = root.querySelector("[data-jump]");
  var status = root.querySelector("[data-live-status]");
  var typingEl = root.querySelector("[data-typing]");
  var composer = root.querySelector("[data-composer]");
  var textarea = composer ? composer.querySelector("textarea") : null;
  var replyInput = composer ? composer.querySelector("input[name=reply_to]") : null;
  var replying = composer ? composer.querySelector("[data-replying]") : null;
  var me = parseInt(root.dataset.userId, 10);
  var isFacilitator = root.dataset.facilitator === "1";
  var text = root.dataset;

  var seen = {};
  var lastId = parseInt(root.dataset.lastId, 10) || 0;
  var changesSince = root.dataset.readAt || null;  // the server's time when what we hold was read
  Array.prototype.forEach.call(list.querySelectorAll("li[data-id]"), function (li) { seen[li.dataset.id] = true; });

  var ws = null;
  var attempts = 0;
  var reconnectTimer = null;
  var MAX_FRAME = 16384;    // the server's limit on a frame's length (docs/PROTOCOL.md)
  var outbox = {};          // client_id -> {body, reply_to, el}
  var typingTimers = {};
  var lastTypingSent = 0;
  var lastReadSent = 0;
  var stopped = false;

  function setStatus(message) { if (status) status.textContent = message || ""; }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  // --- Where the list is scrolled -------------------------------------------------------------
  // `pinned`: the newest message is in view, so new ones (and a growing composer) keep it there; when
  // the person has scrolled up to read, new messages do not move the list but count on the pill.
  var pinned = true;
  var unseen = 0;

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
  }

  function toBottom() {
    scroller.scrollTop = scroller.scrollHeight;
    pinned = true;
    unseen = 0;
    showJump();
  }

  function showJump() {
    if (!jump) return;
    var away = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight > scroller.clientHeight / 2;
    if (unseen > 0) jump.textContent = "↓ " + text.textNew + " (" + unseen + ")";
    else jump.textContent = "↓ " + text.textLatest;
    jump.hidden = !(unseen > 0 || away);
  }

  function openAtStart() {
    var target = location.hash.length > 1 ? document.getElementById(location.hash.slice(1)) : null;
    if (!target || !scroller.contains(target)) target = document.getElementById("unread");
    if (target && target.offsetTop > scroller.clientHeight / 3) {
      // The first unread message (or the one linked to) near the top, with a little of what came before.
      scroller.scrollTop = target.offsetTop - 24;
      pinned = atBottom();
    } else {
      toBottom();
    }
    showJump();
  }

  scroller.addEventListener("scroll", function () {
    pinned = atBottom();
    if (pinned) { unseen = 0; markRead(); }
    showJump();
  }, { passive: true });
  if (jump) jump.addEventListener("click", function () { toBottom(); markRead(); });
  if (window.ResizeObserver) {
    // The composer grows, the keyboard opens, a message is edited: the newest one stays in view.
    var keep = new ResizeObserver(function () { if (pinned) scroller.scrollTop = scroller.scrollHeight; });
    keep.observe(scroller);
    keep.observe(list);
  }

  // At most one read frame every 2 s (the server allows 30 per 10 s per socket), the last one trailing.
  var readTimer = null;
  var lastReadAt = 0;
  function markRead() {
    if (document.visibilityState !== "visible" || !pinned || !lastId || lastId <= lastReadSent || readTimer) return;
    var wait = Math.max(0, lastReadAt + 2000 - Date.now());
    readTimer = setTimeout(function () {
      readTimer = null;
      lastReadAt = Date.now();
      if (lastId > lastReadSent && send({ type: "read", id: lastId })) lastReadSent = lastId;
    }, wait);
  }

  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function actionsFor(frame) {
    var actions = el("div", "msg-actions");
    if (root.dataset.archived !== "1") {
      var reply = el("a", "", text.textReply);
      reply.href = "?reply=" + frame.id + "#composer";
      reply.dataset.reply = frame.id;
      actions.appendChild(reply);
    }
    if (frame.author.id === me) {
      var edit = el("a", "", text.textEdit);
      edit.href = text.editUrl.replace("/0/", "/" + frame.id + "/");
      actions.appendChild(edit);
    }
    if (frame.author.id === me || isFacilitator) {
      var del = el("button", "link-button", text.textDelete);
      del.type = "button";
      del.dataset.delete = frame.id;
      actions.appendChild(del);
    }
    return actions;
  }

  function render(frame) {
    var li = el("li", "msg" + (frame.author.id === me ? " mine" : ""));
    li.id = "m" + frame.id;
    li.dataset.id = frame.id;
    li.dataset.authorId = frame.author.id;
    var head = el("div", "msg-head");
    head.appendChild(el("strong", "msg-author", frame.author.name));
    var when = el("a", "meta msg-time");
    when.href = "#m" + frame.id;
    var time = el("time", "");
    time.setAttribute("datetime", frame.created_at);
    when.appendChild(time);
    formatTimes(when);
    head.appendChild(when);
    if (frame.edited && !frame.deleted) head.appendChild(el("span", "meta msg-edited", text.textEdited));
    li.appendChild(head);
    fill(li, frame);
    return li;
  }

  function fill(li, frame) {
    var old = li.querySelectorAll(".msg-body, .msg-actions");
    Array.prototype.forEach.call(old, function (node) { node.remove(); });
    if (frame.deleted) {
      li.classList.add("deleted");
      li.appendChild(el("p", "msg-body empty", text.textDeleted));
      return;
    }
    var body = el("div", "msg-body");
    // frame.html was rendered from Markdown and sanitised with an allow-list on the server.
    body.innerHTML = frame.html;
    li.appendChild(body);
    li.appendChild(actionsFor(frame));
  }

  function onMessage(frame) {
    var pending = frame.client_id && outbox[frame.client_id];
    if (seen[frame.id]) {
      var existing = document.getElementById("m" + frame.id);
      if (existing && frame.deleted && !existing.classList.contains("deleted")) fill(existing, frame);
      if (pending) { pending.el && pending.el.remove(); delete outbox[frame.client_id]; }
      return;
    }
    seen[frame.id] = true;
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.remove();
    var li = render(frame);
    var stick = pinned || frame.author.id === me;
    if (pending && pending.el && pending.el.parentNode) {
      pending.el.replaceWith(li);
      delete outbox[frame.client_id];
    } else {
      // Keep id order even if a resync answer and a live broadcast interleave.
      var after = null;
      var items = list.querySelectorAll("li[data-id]");
      for (var i = items.length - 1; i >= 0; i--) {
        if (parseInt(items[i].dataset.id, 10) < frame.id) { after = items[i]; break; }
      }
      if (after) after.after(li); else list.insertBefore(li, list.firstChild);
      // A pending bubble stays last until its own message comes back.
      Array.prototype.forEach.call(list.querySelectorAll("li.pending"), function (node) { list.appendChild(node); });
    }
    if (frame.id > lastId) lastId = frame.id;
    if (frame.author && typingTimers[frame.author.id]) clearTyping(frame.author.id);
    if (stick) toBottom();
    else { unseen++; showJump(); }
    markRead();
  }

  function onEdited(frame) {
    var li = document.getElementById("m" + frame.id);
    if (!li || li.classList.contains("deleted")) return;
    var body = li.querySelector(".msg-body");
    if (body) body.innerHTML = frame.html;
    var head = li.querySelector(".msg-head");
    if (head && !head.querySelector(".msg-edited")) head.appendChild(el("span", "meta msg-edited", text.textEdited));
  }

  function onDeleted(frame) {
    var li = document.getElementById("m" + frame.id);
    if (li) fill(li, { id: frame.id, deleted: true });
  }

  var typers = {};
  function renderTyping() {
    var names = Object.keys(typers).map(function (id) { return typers[id]; });
    typingEl.textContent = names.length ? names.join(", ") + " " + text.textTyping : "";
  }
  function clearTyping(userId) {
    clearTimeout(typingTimers[userId]);
    delete typingTimers[userId];
    delete typers[userId];
    renderTyping();
  }
  function onTyping(frame) {
    if (frame.user.id === me) return;
    typers[frame.user.id] = frame.user.name;
    clearTimeout(typingTimers[frame.user.id]);
    typingTimers[frame.user.id] = setTimeout(function () { clearTyping(frame.user.id); }, 4000);
    renderTyping();
  }

  function onPresence(frame) {
    var online = {};
    frame.online.forEach(function (id) { online[id] = true; });
    var count = 0;
    Array.prototype.forEach.call(root.querySelectorAll("[data-person]"), function (li) {
      var on = !!online[li.dataset.person];
      li.classList.toggle("online", on);
      if (on) count++;
    });
    var counter = root.querySelector("[data-online-count]");
    if (counter) counter.textContent = counter.textContent.replace(/\d+/, String(count));
  }

  function onError(frame) {
    if (frame.client_id && outbox[frame.client_id]) {
      var pending = outbox[frame.client_id];
      delete outbox[frame.client_id];
      if (pending.el) { pending.el.classList.add("failed"); pending.el.classList.remove("pending"); }
      if (textarea && !textarea.value) textarea.value = pending.body;
    }
    if (frame.ref === "read" || frame.ref === "typing") return;  // nothing the person can act on
    setStatus(frame.message || frame.code);
  }

  function onNotification(frame) {
    var badge = document.querySelector("[data-notifications-badge]");
    if (badge) { badge.dataset.count = frame.unread; badge.textContent = frame.unread || ""; }
  }

  function handle(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    switch (frame.type) {
      case "message": onMessage(frame); break;
      case "edited": onEdited(frame); break;
      case "deleted": onDeleted(frame); break;
      case "typing": onTyping(frame); break;
      case "presence": onPresence(frame); break;
      case "ack": break;  // the message frame itself replaces the pending bubble
      case "error": onError(frame); break;
      case "resynced":
        if (frame.at) changesSince = frame.at;
        if (frame.more) send({ type: "resync", after_id: lastId });
        else flushOutbox();
        break;
      case "notification": onNotification(frame); break;
    }
  }

  function resync() {
    var frame = { type: "resync", after_id: lastId };
    var first = list.querySelector("li[data-id]");
    if (changesSince && first) {
      frame.changes_since = changesSince;
      frame.from_id = parseInt(first.dataset.id, 10);
    }
    send(frame);
  }

  function flushOutbox() {
    Object.keys(outbox).forEach(function (clientId) {
      var item = outbox[clientId];
      send({ type: "message", body: item.body, client_id: clientId, reply_to: item.reply_to });
    });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + root.dataset.wsPath);
    ws.onopen = function () {
      attempts = 0;
      setStatus("");
      resync();
    };
    ws.onmessage = handle;
    ws.onclose = function (event) {
      ws = null;
      if (stopped) return;
      if (event.code === 4401 || event.code === 4403) {
        stopped = true;
        setStatus(event.code === 4401 ? text.textSignedOut : text.textClosed);
        if (composer) composer.querySelector("button[type=submit]").disabled = true;
        return;
      }
      if (event.code === 1009) {
        // The server refused a frame as too large: drop what cannot be sent, or it would be resent forever.
        Object.keys(outbox).forEach(function (clientId) {
          var item = outbox[clientId];
          if (JSON.stringify({ type: "message", body: item.body, client_id: clientId, reply_to: item.reply_to }).length > MAX_FRAME) {
            if (item.el) { item.el.classList.add("failed"); item.el.classList.remove("pending"); }
            delete outbox[clientId];
          }
        });
      }
      setStatus(text.textOffline);
      // Exponential backoff with jitter, at most 30 s, so a restarted server is not stampeded.
      var delay = Math.min(30000, 500 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      attempts++;
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(connect, delay);
    };
  }

  if (composer && textarea) {
    composer.addEventListener("submit", function (event) {
      var body = textarea.value.trim();
      if (!body || !ws || ws.readyState !== WebSocket.OPEN) {
        // The plain form POST does it; the page it leads to must not bring the sent text back.
        if (body) { try { localStorage.removeItem(draftKey); } catch (e) { /* no storage */ } }
        return;
      }
      event.preventDefault();
      var clientId = newClientId();
      var replyTo = replyInput && replyInput.value ? parseInt(replyInput.value, 10) : null;
      var bubble = el("li", "msg mine pending");
      bubble.appendChild(el("div", "msg-body", body));
      list.appendChild(bubble);
      outbox[clientId] = { body: body, reply_to: replyTo, el: bubble };
      send({ type: "message", body: body, client_id: clientId, reply_to: replyTo });
      textarea.value = "";
      keepDraft();
      if (replyInput) replyInput.value = "";
      if (replying) { replying.hidden = true; replying.textContent = ""; }
      toBottom();
      textarea.focus();
    });
    // Enter sends and Shift+Enter starts a new line, as in the chat apps people know; on a touch screen
    // Enter starts a new line and the Send button sends (the hint under the composer says which). A key
    // that an input method is still composing with (accents, Japanese, a phone's predictions) is its own.
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    textarea.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing || event.keyCode === 229 || event.shiftKey || event.altKey) return;
      if (touch && !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      if (!textarea.value.trim()) return;
      composer.requestSubmit ? composer.requestSubmit() : composer.submit();
    });
    // The draft of each room is kept in this browser until it is sent, across reloads.
    var draftKey = "puente:draft:" + root.dataset.roomId;
    function keepDraft() {
      try {
        if (textarea.value) localStorage.setItem(draftKey, textarea.value);
        else localStorage.removeItem(draftKey);
      } catch (e) { /* storage full or refused: the draft is only lost on reload */ }
    }
    try {
      if (!textarea.value) textarea.value = localStorage.getItem(draftKey) || "";
    } catch (e) { /* no storage */ }
    textarea.addEventListener("input", function () {
      keepDraft();
      var now = Date.now();
      if (now - lastTypingSent > 2500 && send({ type: "typing" })) lastTypingSent = now;
    });
  }

  list.addEventListener("click", function (event) {
    var target = event.target;
    if (target.dataset && target.dataset.delete && ws && ws.readyState === WebSocket.OPEN) {
      event.preventDefault();
      if (window.confirm(target.textContent + "?")) send({ type: "delete", id: parseInt(target.dataset.delete, 10) });
    } else if (target.dataset && target.dataset.reply && replyInput && textarea) {
      event.preventDefault();
      replyInput.value = target.dataset.reply;
      var li = document.getElementById("m" + target.dataset.reply);
      var author = li ? li.querySelector(".msg-author") : null;
      if (replying) { replying.hidden = false; replying.textContent = "↩ " + (author ? author.textContent : ""); }
      textarea.focus();
    }
  });

  var people = root.querySelector("[data-people-panel]");
  if (people && window.matchMedia && window.matchMedia("(min-width: 60rem)").matches) people.open = true;
  openAtStart();

  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("pagehide", function () { stopped = true; if (ws) ws.close(); });
  connect();
})();
