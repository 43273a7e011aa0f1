/* craftmap: a field survey is never lost to a missing signal.

   Sending the survey form first keeps it on the phone (IndexedDB: answers and photos), then sends it.
   Without a connection it stays there, listed on every municipality page as waiting, and is sent again
   when the connection returns (the browser's "online" event, a try every 20 s, and every page load).
   The survey's id is made with the form, so a survey that reached the server before the answer was
   lost is saved once: the server answers a second sending with the survey it has. */
(function () {
  "use strict";

  var DB = "craftmap-surveys", STORE = "waiting", RETRY_MS = 20000;
  var panel, texts, timer, sending = false;

  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function store(mode, work) {
    return db().then(function (conn) {
      return new Promise(function (resolve, reject) {
        var tx = conn.transaction(STORE, mode), result;
        tx.oncomplete = function () { conn.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { conn.close(); reject(tx.error); };
        work(tx.objectStore(STORE), function (value) { result = value; });
      });
    });
  }

  function all() {
    return store("readonly", function (s, done) { var r = s.getAll(); r.onsuccess = function () { done(r.result); }; });
  }
  function put(item) { return store("readwrite", function (s) { s.put(item); }); }
  function remove(id) { return store("readwrite", function (s) { s.delete(id); }); }

  function itemOf(form) {
    var fields = [], files = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { fields.push([name, value]); }
      else if (value.size || value.name) { files.push({ name: name, file: value }); }
    });
    var id = fields.filter(function (f) { return f[0] === "id"; })[0];
    return { id: id ? id[1] : String(Date.now()), action: form.action, centre: form.getAttribute("data-centre"),
             keptAt: new Date().toISOString(), fields: fields, files: files, state: "waiting", message: "" };
  }

  function body(item) {
    var data = new FormData(), fresh = document.querySelector("input[name=csrf_token]");
    item.fields.forEach(function (f) {  // the session's token now: the one kept may be from before a new sign-in
      data.append(f[0], f[0] === "csrf_token" && fresh ? fresh.value : f[1]);
    });
    item.files.forEach(function (f) { data.append(f.name, f.file, f.file.name); });
    return data;
  }

  /* One sending: "saved" (with the page that shows it), "signin", "refused" (with the server's page and
     its first problem) or "waiting" (no connection, or the server could not be reached). */
  function send(item) {
    return fetch(item.action, { method: "POST", body: body(item), credentials: "same-origin" }).then(function (r) {
      var url = new URL(r.url);
      if (r.ok && url.searchParams.get("saved") === item.id) { return { state: "saved", url: r.url }; }
      if (url.pathname.indexOf("/manage/login") !== -1) { return { state: "signin", url: r.url }; }
      if (r.status >= 500) { return { state: "waiting" }; }
      return r.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var found = ["[role=alert] li", "[role=alert] p", "main h1 + p"].map(function (sel) {
          var el = page.querySelector(sel);
          return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
        }).filter(Boolean);
        return { state: "refused", html: html, message: found[0] || String(r.status) };
      });
    }, function () { return { state: "waiting" }; });
  }

  function here(item) { return new URL(item.action).pathname === window.location.pathname; }

  function sendAll() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    return all().then(function (items) {
      return items.filter(function (i) { return i.state !== "refused"; }).reduce(function (chain, item) {
        return chain.then(function () {
          return send(item).then(function (result) {
            if (result.state === "saved") {
              return remove(item.id).then(function () {
                if (here(item)) { window.location.assign(result.url); } else { note(texts.sent.replace("%(centre)s", item.centre)); }
              });
            }
            item.state = result.state;
            item.message = result.message || "";
            return put(item);
          });
        });
      }, Promise.resolve());
    }).catch(function () { /* storage unavailable: nothing kept, nothing to send */ }).then(function () {
      sending = false;
      return show();
    });
  }

  function note(text, form) {  // beside the send button too: that is where the thumb and the eyes are
    var p = document.getElementById("survey-queue-note"), near = form && form.querySelector(".queue-status");
    [p, near].forEach(function (el) { if (el) { el.textContent = text; el.hidden = !text; } });
    if (near) { near.scrollIntoView({ block: "nearest" }); }
  }

  function time(iso) {
    return new Date(iso).toLocaleString(document.documentElement.lang, { dateStyle: "medium", timeStyle: "short" });
  }

  function show() {
    return all().then(function (items) {
      var list = panel.querySelector("ul");
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li"), what = document.createElement("span");
        li.setAttribute("data-state", item.state);
        what.textContent = texts.item.replace("%(centre)s", item.centre).replace("%(time)s", time(item.keptAt)) + " – " +
          (item.state === "refused" ? texts.refused.replace("%(reason)s", item.message) : texts[item.state] || texts.waiting);
        li.appendChild(what);
        if (item.state === "refused") {
          var open = document.createElement("a");
          open.href = item.action.split("?")[0] + "?restore=" + encodeURIComponent(item.id);
          open.textContent = texts.open;
          li.appendChild(document.createTextNode(" "));
          li.appendChild(open);
        } else if (item.state === "signin") {
          var login = document.createElement("a");
          login.href = panel.getAttribute("data-login");
          login.textContent = texts.login;
          li.appendChild(document.createTextNode(" "));
          li.appendChild(login);
        }
        list.appendChild(li);
      });
      panel.hidden = !items.length;
      clearInterval(timer);
      if (items.some(function (i) { return i.state === "waiting"; })) { timer = setInterval(sendAll, RETRY_MS); }
      document.body.setAttribute("data-surveys-waiting", String(items.length));
    });
  }

  /* A survey refused on a later sending (a wrong answer, a conflict) is put back into its form to be
     put right; the photos come back too. It is then sent against the version the page shows now. */
  function restore(form) {
    var id = new URLSearchParams(window.location.search).get("restore");
    if (!id) { return; }
    all().then(function (items) {
      var item = items.filter(function (i) { return i.id === id; })[0];
      if (!item) { return; }
      Array.prototype.forEach.call(form.querySelectorAll("input[type=radio], input[type=checkbox]"), function (i) { i.checked = false; });
      item.fields.forEach(function (f) {
        if (f[0] === "csrf_token" || f[0] === "version") { return; }  // the page's own: it shows the values now
        Array.prototype.forEach.call(form.elements.namedItem(f[0]) ? form.querySelectorAll("[name='" + f[0] + "']") : [], function (el) {
          if (el.type === "radio" || el.type === "checkbox") { el.checked = el.checked || el.value === f[1]; } else { el.value = f[1]; }
        });
      });
      var photos = form.querySelector("input[type=file]");
      if (photos && item.files.length && window.DataTransfer) {
        var dt = new DataTransfer();
        item.files.forEach(function (f) { dt.items.add(f.file); });
        photos.files = dt.files;
      }
      note(texts.restored.replace("%(reason)s", item.message), form);
    });
  }

  function intercept(form) {
    form.addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }  // stopped already (photos over the request limit)
      e.preventDefault();
      var item = itemOf(form), button = form.querySelector("button[type=submit]");
      button.disabled = true;
      put(item).then(function () {
        return send(item);
      }, function () { return null; }).then(function (result) {
        if (result === null) { form.submit(); return; }  // no storage on this device: send it as a plain form
        if (result.state === "saved") { return remove(item.id).then(function () { window.location.assign(result.url); }); }
        if (result.state === "refused") {  // nothing saved: the server's page names each problem
          return remove(item.id).then(function () { document.open(); document.write(result.html); document.close(); });
        }
        item.state = result.state;
        return put(item).then(function () {
          button.disabled = false;
          note(result.state === "signin" ? texts.signinNow : texts.kept, form);
          return show();
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    panel = document.getElementById("survey-queue");
    if (!panel || !("indexedDB" in window)) { return; }
    texts = JSON.parse(panel.getAttribute("data-texts"));
    var form = document.querySelector("form.survey[data-queue]");
    if (form) { intercept(form); restore(form); }
    window.addEventListener("online", sendAll);
    panel.querySelector("button").addEventListener("click", sendAll);
    sendAll();
  });
}());
