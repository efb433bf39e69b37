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

  // Times: static/js/times.js writes every <time datetime> in the reader's language and time zone.
  var formatTimes = window.PuenteTimes ? window.PuenteTimes.format : function () {};

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
  // On a touch screen Enter starts a new line and the Send button sends (see the composer below).
  var touch = !!(window.matchMedia && window.matchMedia("(pointer: coarse)").matches);
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

  // --- Rows --------------------------------------------------------------------------------------
  // Every message on the page is messaging/_message.html as the server rendered it: the page's rows for
  // this reader, and the socket's (`frame.row`) for everyone in the room, with each action marked with
  // who may take it. `adopt` keeps this reader's actions, puts the page's CSRF token in its forms and
  // writes its time; nothing here builds a message's markup by hand.
  var editWindow = parseInt(root.dataset.editWindow, 10) || 0;
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");

  function adopt(li) {
    if (li.hasAttribute("data-for-everyone")) {
      var mine = parseInt(li.dataset.authorId, 10) === me;
      var recent = mine && Date.now() / 1000 - Number(li.dataset.created) < editWindow;  // created: Unix seconds
      var may = { "mine-recent": recent, "mine": mine, "others": !mine, "facilitator": isFacilitator };
      li.classList.toggle("mine", mine);
      Array.prototype.forEach.call(li.querySelectorAll("[data-if]"), function (node) {
        if (!node.dataset.if.split(" ").some(function (who) { return may[who]; })) node.remove();
      });
      li.removeAttribute("data-for-everyone");
    }
    Array.prototype.forEach.call(li.querySelectorAll(".reaction[data-by]:not([aria-pressed])"), function (button) {
      button.setAttribute("aria-pressed", String(button.dataset.by.split(" ").indexOf(String(me)) >= 0));
    });
    var menu = li.querySelector(".msg-menu");
    if (menu && !menu.querySelector(".msg-menu-body > *")) menu.remove();
    Array.prototype.forEach.call(li.querySelectorAll("input[name=csrfmiddlewaretoken]"), function (input) {
      input.value = tokenInput ? tokenInput.value : "";
    });
    formatTimes(li);
    return li;
  }

  function fromRow(frame) {
    var holder = document.createElement("template");
    // The row is the server's template; the message's text in it was sanitised with an allow-list.
    holder.innerHTML = frame.row.trim();
    return adopt(holder.content.firstElementChild);
  }

  function replaceRow(frame) {
    var li = document.getElementById("m" + frame.id);
    if (li && frame.row) li.replaceWith(fromRow(frame));
  }

  function onMessage(frame) {
    var pending = frame.client_id && outbox[frame.client_id];
    if (seen[frame.id]) {
      var existing = document.getElementById("m" + frame.id);
      if (existing && frame.deleted && !existing.classList.contains("deleted")) replaceRow(frame);
      if (pending) { pending.el && pending.el.remove(); delete outbox[frame.client_id]; }
      return;
    }
    seen[frame.id] = true;
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.remove();
    var li = fromRow(frame);
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
      Array.prototype.forEach.call(list.querySelectorAll("li.pending, li.failed"), function (node) { list.appendChild(node); });
    }
    if (frame.id > lastId) lastId = frame.id;
    if (frame.author && typingTimers[frame.author.id]) clearTyping(frame.author.id);
    if (stick) toBottom();
    else { unseen++; showJump(); }
    markRead();
  }

  function onEdited(frame) {
    var li = document.getElementById("m" + frame.id);
    if (li && !li.classList.contains("deleted")) replaceRow(frame);
  }

  function onDeleted(frame) {
    replaceRow(frame);
    // Replies stop quoting it (as the page does once it is reloaded).
    Array.prototype.forEach.call(list.querySelectorAll('[data-goto="' + frame.id + '"]'), function (link) {
      var quote = link.parentNode.querySelector(".msg-quote");
      if (quote) quote.remove();
    });
  }

  function onAttachmentRemoved(frame) {
    // The file's thumbnail or card gives way to the line the page shows once reloaded.
    if (!/^[0-9a-f]+$/.test(String(frame.attachment))) return;
    var row = document.getElementById("m" + frame.id);
    var item = row && row.querySelector('[data-attachment="' + frame.attachment + '"]');
    if (!item || item.classList.contains("removed")) return;
    var shown = item.querySelector(".file-name") || item.querySelector("img");
    var name = shown ? (shown.alt || shown.textContent) : "";
    var line = el("li", "attachment removed meta", (text.textFileRemoved || "").replace("%(name)s", name));
    line.dataset.attachment = frame.attachment;
    item.replaceWith(line);
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
      // Refused (too fast, too long, a reply that cannot be...): the bubble says why and keeps the text,
      // with "Send again" and "Edit" (back into the composer). Nothing is resent on its own.
      failed(frame.client_id, frame.message || frame.code);
    }
    if (frame.ref === "read" || frame.ref === "typing") return;  // nothing the person can act on
    if (frame.ref === "edit") {
      Array.prototype.forEach.call(list.querySelectorAll("form.msg-edit button[type=submit]"), function (button) { button.disabled = false; });
    }
    setStatus(frame.message || frame.code);
  }

  function setBadge(selector, count) {
    var badge = document.querySelector(selector);
    if (badge && count !== undefined) { badge.dataset.count = count; badge.textContent = count || ""; }
  }

  function onNotification(frame) {
    setBadge("[data-notifications-badge]", frame.unread);
  }

  function onCounts(frame) {
    setBadge("[data-notifications-badge]", frame.notifications);
    setBadge("[data-messages-badge]", frame.messages);
  }

  function handle(event) {
    var frame;
    try { frame = JSON.parse(event.data); } catch (e) { return; }
    switch (frame.type) {
      case "message": onMessage(frame); break;
      case "edited": onEdited(frame); break;
      case "deleted": onDeleted(frame); break;
      case "reactions": replaceRow(frame); break;
      case "attachment_removed": onAttachmentRemoved(frame); break;
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
      case "counts": onCounts(frame); break;
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

  // --- The outbox: each message on its way is a bubble from the page's <template data-pending-row>
  // (the server's markup, in the reader's language), "Sending…" until the server's row replaces it.
  var pendingTemplate = root.querySelector("template[data-pending-row]");

  function bubbleFor(body) {
    var li = pendingTemplate ? pendingTemplate.content.firstElementChild.cloneNode(true) : el("li", "msg mine pending");
    var holder = li.querySelector("[data-text]") || li.appendChild(el("div", "msg-body"));
    holder.textContent = body;
    return li;
  }

  function setState(item, key) {
    var state = item.el && item.el.querySelector("[data-state]");
    if (state && state.dataset[key]) state.textContent = state.dataset[key];
  }

  function sendItem(clientId) {
    var item = outbox[clientId];
    if (!item || item.failed) return;
    var sent = send({ type: "message", body: item.body, client_id: clientId, reply_to: item.reply_to });
    setState(item, sent ? "sending" : "waiting");
  }

  function failed(clientId, reason) {
    var item = outbox[clientId];
    if (!item) return;
    item.failed = true;
    if (!item.el) return;
    item.el.classList.add("failed");
    item.el.classList.remove("pending");
    item.el.removeAttribute("aria-busy");
    var box = item.el.querySelector("[data-failed]");
    if (box) {
      box.hidden = false;
      if (reason) box.querySelector("[data-reason]").textContent = reason;
    }
    var state = item.el.querySelector("[data-state]");
    if (state) state.hidden = true;
  }

  function retry(clientId) {
    var item = outbox[clientId];
    if (!item) return;
    item.failed = false;
    item.el.classList.remove("failed");
    item.el.classList.add("pending");
    item.el.setAttribute("aria-busy", "true");
    item.el.querySelector("[data-failed]").hidden = true;
    var state = item.el.querySelector("[data-state]");
    if (state) state.hidden = false;
    sendItem(clientId);  // the same client id: the server stores it once, whatever happened before
  }

  function takeBack(clientId) {
    var item = outbox[clientId];
    if (!item) return;
    delete outbox[clientId];
    item.el.remove();
    if (textarea) {
      textarea.value = textarea.value ? item.body + "\n" + textarea.value : item.body;
      textarea.dispatchEvent(new Event("input"));
      textarea.focus();
    }
  }

  list.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-retry], [data-takeback]") : null;
    if (!button) return;
    var li = button.closest("li.msg");
    var clientId = li && li.dataset.clientId;
    if (!clientId) return;
    if (button.hasAttribute("data-retry")) retry(clientId); else takeBack(clientId);
  });

  function flushOutbox() {
    Object.keys(outbox).forEach(sendItem);
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
            failed(clientId, "");
          }
        });
      }
      Object.keys(outbox).forEach(function (clientId) { setState(outbox[clientId], "waiting"); });
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
      var bubble = bubbleFor(body);
      bubble.dataset.clientId = clientId;
      list.appendChild(bubble);
      outbox[clientId] = { body: body, reply_to: replyTo, el: bubble };
      sendItem(clientId);
      textarea.value = "";
      keepDraft();
      setReply(null);
      toBottom();
      textarea.focus();
    });
    // --- Mentions: "@" and a few letters suggest people of the room by name (from the page's member
    // list); picking one writes "@Their Name", which the server resolves to that person when storing.
    var suggestions = el("ul", "mention-list");
    suggestions.id = "mention-list";
    suggestions.setAttribute("role", "listbox");
    suggestions.setAttribute("aria-label", text.textPeople || "");
    suggestions.hidden = true;
    composer.querySelector(".composer-row").appendChild(suggestions);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", "mention-list");
    var matches = [], chosen = 0, atStart = -1;

    function fold(value) {
      return value.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    }

    function people() {
      return Array.prototype.map.call(root.querySelectorAll("[data-people] li[data-name]"), function (li) {
        return { id: li.dataset.person, name: li.dataset.name };
      }).filter(function (person) { return parseInt(person.id, 10) !== me; });
    }

    function closeSuggestions() {
      suggestions.hidden = true;
      suggestions.textContent = "";
      matches = [];
      textarea.removeAttribute("aria-activedescendant");
    }

    function showChosen() {
      Array.prototype.forEach.call(suggestions.children, function (item, index) {
        item.setAttribute("aria-selected", index === chosen ? "true" : "false");
      });
      if (matches.length) textarea.setAttribute("aria-activedescendant", "mention-" + matches[chosen].id);
    }

    function suggest() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var found = /(^|[\s(])@([^\s@]{0,30}(?: [^\s@]{0,30})?)$/.exec(before);
      if (!found) { closeSuggestions(); return; }
      var query = fold(found[2]);
      atStart = before.length - found[2].length - 1;
      matches = people().filter(function (person) {
        var name = fold(person.name);
        return name.indexOf(query) === 0 || name.split(/\s+/).some(function (word) { return word.indexOf(query) === 0; });
      }).slice(0, 6);
      if (!matches.length) { closeSuggestions(); return; }
      chosen = 0;
      suggestions.textContent = "";
      matches.forEach(function (person, index) {
        var item = el("li", "", person.name);
        item.id = "mention-" + person.id;
        item.setAttribute("role", "option");
        item.addEventListener("mousedown", function (event) { event.preventDefault(); pick(index); });
        suggestions.appendChild(item);
      });
      suggestions.hidden = false;
      showChosen();
    }

    function pick(index) {
      var person = matches[index];
      if (!person) return;
      var caret = textarea.selectionStart;
      var inserted = "@" + person.name + " ";
      textarea.value = textarea.value.slice(0, atStart) + inserted + textarea.value.slice(caret);
      textarea.selectionStart = textarea.selectionEnd = atStart + inserted.length;
      closeSuggestions();
      keepDraft();
      textarea.focus();
    }

    textarea.addEventListener("keydown", function (event) {
      if (suggestions.hidden || event.isComposing) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        chosen = (chosen + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length;
        showChosen();
      } else if (event.key === "Enter" || event.key === "Tab") {
        pick(chosen);
      } else if (event.key === "Escape") {
        closeSuggestions();
      } else {
        return;
      }
      // The key was the list's: Enter picks a name and does not send.
      event.preventDefault();
      event.stopImmediatePropagation();
    });
    textarea.addEventListener("input", suggest);
    textarea.addEventListener("blur", function () { setTimeout(closeSuggestions, 150); });

    // Enter sends and Shift+Enter starts a new line, as in the chat apps people know; on a touch screen
    // Enter starts a new line and the Send button sends (the hint under the composer says which). A key
    // that an input method is still composing with (accents, Japanese, a phone's predictions) is its own.
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

  // --- A message's menu ------------------------------------------------------------------------
  // A <details> menu that works without this script (its links and forms are the plain pages); with
  // the socket open, reply, edit and delete happen in place. One menu is open at a time; Escape or a
  // click elsewhere closes it.
  function live() { return ws && ws.readyState === WebSocket.OPEN; }

  function closeMenus(except) {
    Array.prototype.forEach.call(list.querySelectorAll("details.msg-menu[open]"), function (menu) {
      if (menu !== except) menu.open = false;
    });
  }

  list.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.classList || !menu.classList.contains("msg-menu") || !menu.open) return;
    closeMenus(menu);
    addPicker(menu);
    // Opens upwards when there is no room under it in the list.
    menu.classList.remove("up");
    var body = menu.querySelector(".msg-menu-body");
    if (body && body.getBoundingClientRect().bottom > scroller.getBoundingClientRect().bottom) menu.classList.add("up");
  }, true);

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("details.msg-menu")) closeMenus(null);
  });

  // Reactions: a row of the room's emoji at the top of an open menu (live only); a reaction under a
  // message is a button that adds or takes back one's own (a form without the socket).
  var reactions = (root.dataset.reactions || "").split(" ").filter(Boolean);
  function addPicker(menu) {
    if (!live() || root.dataset.archived === "1" || menu.querySelector(".reaction-picker")) return;
    var picker = el("div", "reaction-picker");
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", text.textReact || "");
    reactions.forEach(function (emoji) {
      var button = el("button", "link-button", emoji);
      button.type = "button";
      button.dataset.pick = emoji;
      picker.appendChild(button);
    });
    var body = menu.querySelector(".msg-menu-body");
    body.insertBefore(picker, body.firstChild);
  }

  function react(li, emoji) {
    return li && send({ type: "react", id: parseInt(li.dataset.id, 10), emoji: emoji });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = list.querySelector("details.msg-menu[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });

  function setReply(id) {
    if (!replyInput || !textarea) return false;
    replyInput.value = id || "";
    if (replying) {
      replying.textContent = "";
      replying.hidden = !id;
      if (id) {
        var li = document.getElementById("m" + id);
        var author = li ? li.querySelector(".msg-author") : null;
        replying.appendChild(document.createTextNode("↩ " + text.textReplying.replace("%(name)s", author ? author.textContent : "") + " "));
        var cancel = el("button", "link-button", text.textCancel);
        cancel.type = "button";
        cancel.addEventListener("click", function () { setReply(null); textarea.focus(); });
        replying.appendChild(cancel);
      }
    }
    return true;
  }

  function startEdit(li) {
    var body = li.querySelector(".msg-body");
    if (!body || li.querySelector("form.msg-edit")) return;
    var source = li.querySelector("template.msg-source");
    var form = el("form", "msg-edit");
    var input = el("textarea");
    input.value = source ? source.content.textContent : body.innerText;
    input.setAttribute("aria-label", text.textEdit);
    input.maxLength = textarea ? textarea.maxLength : 4000;
    var save = el("button", "button small primary", text.textSave);
    save.type = "submit";
    var cancel = el("button", "button small", text.textCancel);
    cancel.type = "button";
    var buttons = el("div", "button-row");
    buttons.appendChild(save);
    buttons.appendChild(cancel);
    form.appendChild(input);
    form.appendChild(buttons);
    body.hidden = true;
    body.after(form);
    form.scrollIntoView({ block: "nearest" });
    function stop() { form.remove(); body.hidden = false; }
    cancel.addEventListener("click", stop);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = input.value.trim();
      if (!value) return;
      if (!send({ type: "edit", id: parseInt(li.dataset.id, 10), body: value })) return;
      save.disabled = true;  // the `edited` frame replaces the whole row, form included
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); stop(); return; }
      if (event.key !== "Enter" || event.isComposing || event.keyCode === 229 || event.shiftKey || event.altKey) return;
      if (touch && !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    });
    input.focus();
  }

  list.addEventListener("click", function (event) {
    var pick = event.target.closest ? event.target.closest("[data-pick], .reaction") : null;
    if (pick && live()) {
      event.preventDefault();
      react(pick.closest("li.msg"), pick.dataset.pick || pick.dataset.react);
      var open = pick.closest("details.msg-menu");
      if (open) open.open = false;
      return;
    }
    var target = event.target.closest ? event.target.closest("[data-reply], [data-edit]") : null;
    if (!target) return;
    var menu = target.closest("details.msg-menu");
    if (target.dataset.reply && setReply(target.dataset.reply)) {
      event.preventDefault();
      if (menu) menu.open = false;
      textarea.focus();
    } else if (target.dataset.edit && live()) {
      event.preventDefault();
      if (menu) menu.open = false;
      startEdit(target.closest("li.msg"));
    }
  });

  list.addEventListener("submit", function (event) {
    var button = event.target.querySelector("[data-delete]");
    if (!button || !live()) return;  // without the socket the form posts, and the page reloads
    event.preventDefault();
    send({ type: "delete", id: parseInt(button.dataset.delete, 10) });
    var menu = event.target.closest("details.msg-menu");
    if (menu) menu.open = false;
  });

  // --- Older messages, in place ---------------------------------------------------------------------
  // "Load older messages" is a link to the previous page of the room; here it fetches that page and
  // puts its rows (the server's, for this reader) above the first one, keeping what is in view still.
  scroller.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-older]") : null;
    if (!link || !window.fetch || !window.DOMParser) return;
    event.preventDefault();
    if (link.dataset.loading) return;
    link.dataset.loading = "1";
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var rows = page.querySelectorAll("[data-messages] > li.msg[data-id]");
      var first = list.querySelector("li[data-id]");
      var fromBottom = scroller.scrollHeight - scroller.scrollTop;
      Array.prototype.forEach.call(rows, function (row) {
        if (seen[row.dataset.id]) return;
        seen[row.dataset.id] = true;
        list.insertBefore(adopt(document.importNode(row, true)), first);
      });
      scroller.scrollTop = scroller.scrollHeight - fromBottom;
      var older = page.querySelector("a[data-older]");
      if (older) { link.href = older.getAttribute("href"); link.dataset.older = older.dataset.older; delete link.dataset.loading; }
      else link.parentNode.remove();
    }).catch(function () { location.href = link.href; });
  });

  var people = root.querySelector("[data-people-panel]");
  if (people && window.matchMedia && window.matchMedia("(min-width: 60rem)").matches) people.open = true;
  openAtStart();

  document.addEventListener("visibilitychange", markRead);
  window.addEventListener("pagehide", function () { stopped = true; if (ws) ws.close(); });
  connect();
})();
