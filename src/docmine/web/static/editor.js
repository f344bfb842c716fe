/* docmine editor: correct mentions and action items on a document's page.
 *
 * Loaded only for editors and admins (the server renders no edit controls
 * for anyone else, and refuses their writes anyway). Every write is one
 * POST to the JSON API (/api/corrections) with the CSRF header; the page
 * then reloads, so what the editor sees is what the researchers' views read.
 *
 * Keys (not while typing in a field): j / k next / previous target,
 * a accept, x delete, e edit, m new mention from the selection,
 * i new action item from the selection, u undo (a new ledger row), ? keys.
 *
 * Nothing here writes HTML from data: text goes through textContent only.
 */
(function () {
  "use strict";

  var dataEl = document.getElementById("edit-data");
  if (!dataEl) { return; }
  var D = JSON.parse(dataEl.textContent);
  var T = D.t || {};
  var STORE = "docmine-edit:" + D.document_sha256;
  var status = document.getElementById("edit-status");

  function t(key) { return T[key] || key; }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function say(msg, kind) {
    if (!status) { return; }
    status.textContent = msg;
    status.className = "edit-status" + (kind ? " " + kind : "");
  }
  function remember(key, value) {
    try { sessionStorage.setItem(STORE + ":" + key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }
  function recall(key, keep) {
    try {
      var v = sessionStorage.getItem(STORE + ":" + key);
      if (!keep) { sessionStorage.removeItem(STORE + ":" + key); }
      return v ? JSON.parse(v) : null;
    } catch (e) { return null; }
  }

  // ------------------------------------------------------------ targets
  var mentionsByKey = {};
  (D.mentions || []).forEach(function (m) { mentionsByKey[m.start + ":" + m.end + ":" + m.label] = m; });
  var actionsByKey = {};
  (D.actions || []).forEach(function (a) { actionsByKey[a.start + ":" + a.end] = a; });

  function targets() { return $$(".ptext .m[data-start], .item[data-start]"); }
  targets().forEach(function (el) {
    if (!el.hasAttribute("tabindex") && el.tagName !== "A") { el.setAttribute("tabindex", "-1"); }
    el.classList.add("editable");
  });

  function recordOf(el) {
    if (!el) { return null; }
    var s = el.getAttribute("data-start"), e = el.getAttribute("data-end");
    if (el.classList.contains("item")) {
      var a = actionsByKey[s + ":" + e];
      return a ? {target: "action_item", rec: a, el: el} : null;
    }
    var m = mentionsByKey[s + ":" + e + ":" + el.getAttribute("data-label")];
    return m ? {target: "mention", rec: m, el: el} : null;
  }

  var current = null;
  function select(el) {
    if (current) { current.classList.remove("selected"); current.removeAttribute("aria-current"); }
    current = el;
    if (!el) { return; }
    el.classList.add("selected");
    el.setAttribute("aria-current", "true");
    el.focus({preventScroll: true});
    el.scrollIntoView({block: "nearest"});
    var r = recordOf(el);
    if (r) {
      say(describe(r));
      var h = $(".edit-toolbar .target-history");
      if (h && r.rec.target) { h.href = D.api.history + encodeURIComponent(r.rec.target).replace(/%3A/g, ":"); }
    }
  }
  function describe(r) {
    if (r.target === "mention") {
      return r.rec.label + " «" + r.rec.text + "»" + (r.rec.ids.length ? " → " + r.rec.ids.join(", ") : "");
    }
    return t("action_item") + ": " + (r.rec.actor || r.rec.actor_text || "?") + " — " + (r.rec.verb || "");
  }
  function move(step) {
    var all = targets();
    if (!all.length) { say(t("nothing_to_edit")); return; }
    var i = current ? all.indexOf(current) : -1;
    if (i < 0 && document.activeElement) { i = all.indexOf(document.activeElement); }
    i = i < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, i + step));
    select(all[i]);
  }
  document.addEventListener("focusin", function (ev) {
    var el = ev.target.closest && ev.target.closest(".editable");
    if (el && el !== current) { select(el); }
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("dialog, .edit-toolbar")) { return; }
    var el = ev.target.closest && ev.target.closest(".item.editable");
    if (el && !ev.target.closest("a")) { select(el); }
  });

  // ------------------------------------------------------------ selection
  function blockStart(ptext) { return parseInt(ptext.getAttribute("data-start"), 10); }
  /** page-text offset of a DOM position inside a paragraph. The HTML parser
   * turns each CR LF (and lone CR) of the stored text into one LF, so DOM
   * characters are counted back onto the stored text. */
  function offsetIn(ptext, node, offset) {
    var r = document.createRange();
    r.setStart(ptext, 0);
    r.setEnd(node, offset);
    var n = r.toString().length, text = D.page_text || "", i = blockStart(ptext);
    while (n > 0 && i < text.length) {
      i += (text.charAt(i) === "\r" && text.charAt(i + 1) === "\n") ? 2 : 1;
      n--;
    }
    return i;
  }
  /** the selected span of the page text as {start, end, text}, or null */
  function selectedSpan() {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { return null; }
    var r = sel.getRangeAt(0);
    var p1 = r.startContainer.parentElement && r.startContainer.parentElement.closest(".ptext");
    if (r.startContainer.classList && r.startContainer.classList.contains("ptext")) { p1 = r.startContainer; }
    var p2 = r.endContainer.parentElement && r.endContainer.parentElement.closest(".ptext");
    if (r.endContainer.classList && r.endContainer.classList.contains("ptext")) { p2 = r.endContainer; }
    if (!p1 || !p2) { return null; }
    var s = offsetIn(p1, r.startContainer, r.startOffset), e = offsetIn(p2, r.endContainer, r.endOffset);
    return trimSpan(Math.min(s, e), Math.max(s, e));
  }
  function trimSpan(s, e) {
    var text = D.page_text || "";
    while (s < e && /\s/.test(text.charAt(s))) { s++; }
    while (e > s && /\s/.test(text.charAt(e - 1))) { e--; }
    return s < e ? {start: s, end: e, text: text.slice(s, e)} : null;
  }
  /** keyboard-only: where the words ``needle`` first occur at or after
   * ``from`` (else anywhere), any run of spaces or line breaks between them */
  function findSpan(needle, from) {
    var text = D.page_text || "";
    var words = (needle || "").trim().split(/\s+/).filter(Boolean);
    if (!words.length) { return null; }
    var re = new RegExp(words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("\\s+"), "g");
    re.lastIndex = from || 0;
    var m = re.exec(text);
    if (!m) { re.lastIndex = 0; m = re.exec(text); }
    return m ? {start: m.index, end: m.index + m[0].length, text: m[0]} : null;
  }

  // ------------------------------------------------------------ API
  function api(method, url, body) {
    var headers = {"Accept": "application/json"};
    headers[D.csrf_header || "X-CSRF-Token"] = D.csrf_token || "";
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {method: method, headers: headers, credentials: "same-origin",
                       body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (res) {
        return res.text().then(function (txt) {
          var js = null;
          try { js = txt ? JSON.parse(txt) : null; } catch (e) { js = {error: txt}; }
          return {status: res.status, ok: res.ok, body: js};
        });
      });
  }

  /** POST one change (docs/editing.md: ``change``); reload on success,
   * the conflict dialog on 409, the server's one-line reason otherwise */
  function send(change, opts) {
    opts = opts || {};
    change.model_version = change.model_version || D.model_version || undefined;
    say(t("saving"));
    return api("POST", D.api.corrections, change).then(function (res) {
      if (res.ok) {
        var row = (res.body && res.body.correction) || {};
        if (!opts.isUndo) {
          var stack = recall("undo", true) || [];
          stack.push({target: res.body.target, revision: res.body.revision, id: row.id});
          remember("undo", stack.slice(-50));
        }
        recall("lost");
        remember("flash", t("saved") + (row.id ? " (#" + row.id + ")" : ""));
        var rec = res.body.record;
        if (rec) {
          remember("focus", {target: (res.body.target || "").split(":")[0], start: rec.start, end: rec.end,
                             label: rec.label});
        }
        location.reload();
        return res;
      }
      if (res.status === 409) { showConflict(change, res.body || {}); return res; }
      var msg = (res.body && (res.body.error || res.body.detail)) || ("HTTP " + res.status);
      say(t("refused") + " (" + res.status + "): " + (typeof msg === "string" ? msg : JSON.stringify(msg)), "bad");
      return res;
    }, function (err) {
      say(t("network_error") + ": " + err, "bad");
    });
  }

  // ------------------------------------------------------------ records
  function need() {
    var r = recordOf(current);
    if (!r) { say(t("select_first"), "bad"); }
    return r;
  }
  function onTarget(r, op, fields) {
    var c = {op: op, target: r.rec.target, base_revision: r.rec.revision};
    Object.keys(fields || {}).forEach(function (k) { c[k] = fields[k]; });
    return c;
  }
  function accept() { var r = need(); if (r) { send(onTarget(r, "accept")); } }
  function del() { var r = need(); if (r) { send(onTarget(r, "delete")); } }

  // ------------------------------------------------------------ chips (ids, refs)
  function Chips(root) {
    this.root = root;
    this.list = $("ul.chips", root);
    this.input = $("input", root);
    var self = this;
    this.input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        if (self.input.value.trim()) { ev.preventDefault(); self.add(self.input.value); self.input.value = ""; }
      } else if (ev.key === "Backspace" && !self.input.value) {
        var last = self.values().pop();
        if (last !== undefined) { ev.preventDefault(); self.remove(last); }
      }
    });
    this.input.addEventListener("input", function () { suggest(self.input); });
  }
  Chips.prototype.values = function () {
    return $$("li", this.list).map(function (li) { return li.getAttribute("data-value"); });
  };
  Chips.prototype.set = function (values) {
    while (this.list.firstChild) { this.list.removeChild(this.list.firstChild); }
    var self = this;
    (values || []).forEach(function (v) { self.add(v); });
    this.input.value = "";
  };
  Chips.prototype.add = function (v) {
    v = (v || "").trim();
    if (!v || this.values().indexOf(v) >= 0) { return; }
    var li = document.createElement("li");
    li.setAttribute("data-value", v);
    var span = document.createElement("span");
    span.textContent = v;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "chip-x";
    b.textContent = "×";
    b.setAttribute("aria-label", t("remove") + " " + v);
    var self = this;
    b.addEventListener("click", function () { self.remove(v); self.input.focus(); });
    li.appendChild(span);
    li.appendChild(b);
    this.list.appendChild(li);
  };
  Chips.prototype.remove = function (v) {
    $$("li", this.list).forEach(function (li) { if (li.getAttribute("data-value") === v) { li.remove(); } });
  };
  Chips.prototype.collect = function () {
    if (this.input.value.trim()) { this.add(this.input.value); this.input.value = ""; }
    return this.values();
  };

  // ------------------------------------------------------------ autocomplete
  var timers = {};
  function suggest(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || !D.api.suggest) { return; }
    var q = input.value.trim();
    clearTimeout(timers[input.id]);
    if (q.length < 1) { return; }
    timers[input.id] = setTimeout(function () {
      var label = input.getAttribute("data-label") || "";
      fetch(D.api.suggest + "?q=" + encodeURIComponent(q) + (label ? "&label=" + encodeURIComponent(label) : "") +
            "&limit=20", {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          (rows || []).forEach(function (row) {
            var o = document.createElement("option");
            o.value = row.id;
            o.label = (row.name ? row.name + " · " : "") + row.label + (row.source === "kb" ? " · KB" : "");
            list.appendChild(o);
          });
        }, function () { /* suggestions are a help, not a need */ });
    }, 150);
  }
  $$("input[list][data-suggest]").forEach(function (inp) {
    inp.addEventListener("input", function () { suggest(inp); });
  });

  // ------------------------------------------------------------ dialogs
  var mdlg = document.getElementById("mention-dialog");
  var adlg = document.getElementById("action-dialog");
  var kdlg = document.getElementById("keys-dialog");
  var cdlg = document.getElementById("conflict-dialog");
  var idChips = mdlg ? new Chips($(".chipbox", mdlg)) : null;
  var refChips = adlg ? new Chips($(".chipbox", adlg)) : null;
  var editing = null;  // {mode: "edit"|"add", r: record or null}

  function open(dlg, first) {
    if (dlg.open) { return; }
    dlg.showModal();
    var f = first ? $(first, dlg) : null;
    if (f) { f.focus(); if (f.select) { f.select(); } }
  }
  function spanPreview(dlg) {
    var s = parseInt($("[name=start]", dlg).value, 10), e = parseInt($("[name=end]", dlg).value, 10);
    var out = $(".span-text", dlg);
    var ok = !isNaN(s) && !isNaN(e) && s >= 0 && e > s && e <= (D.page_text || "").length;
    out.textContent = ok ? (D.page_text || "").slice(s, e) : t("bad_span");
    out.classList.toggle("bad", !ok);
    return ok ? {start: s, end: e, text: (D.page_text || "").slice(s, e)} : null;
  }
  function setSpan(dlg, span) {
    $("[name=start]", dlg).value = span.start;
    $("[name=end]", dlg).value = span.end;
    spanPreview(dlg);
  }
  [mdlg, adlg].forEach(function (dlg) {
    if (!dlg) { return; }
    $$("[name=start], [name=end]", dlg).forEach(function (i) { i.addEventListener("input", function () { spanPreview(dlg); }); });
    $(".use-selection", dlg).addEventListener("click", function () {
      var sp = dlg._selection || selectedSpan();
      if (sp) { setSpan(dlg, sp); } else { say(t("no_selection"), "bad"); }
    });
    var find = $("[name=find]", dlg);
    find.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        var sp = findSpan(find.value, current ? parseInt(current.getAttribute("data-start"), 10) || 0 : 0);
        if (sp) { setSpan(dlg, sp); } else { $(".span-text", dlg).textContent = t("find_none"); }
      }
    });
    $(".cancel", dlg).addEventListener("click", function () { dlg.close(); });
    dlg.addEventListener("close", function () { if (current) { current.focus({preventScroll: true}); } });
    // Ctrl+Enter saves from any field
    dlg.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); dlg.querySelector("form").requestSubmit(); }
    });
  });

  function editMention(r, span) {
    editing = {mode: r ? "edit" : "add", r: r};
    mdlg._selection = span || null;
    $(".dlg-title", mdlg).textContent = r ? t("edit_mention") : t("add_mention");
    var m = r ? r.rec : {label: "ORG", ids: [], start: span ? span.start : "", end: span ? span.end : ""};
    $("[name=label]", mdlg).value = m.label;
    $("[name=start]", mdlg).value = m.start;
    $("[name=end]", mdlg).value = m.end;
    $("[name=find]", mdlg).value = "";
    $("[name=comment]", mdlg).value = "";
    $("input", $(".chipbox", mdlg)).setAttribute("data-label", m.label);
    idChips.set(m.ids);
    spanPreview(mdlg);
    open(mdlg, r ? ".chipbox input" : (span ? "[name=label]" : "[name=find]"));
  }
  function editAction(r, span) {
    editing = {mode: r ? "edit" : "add", r: r};
    adlg._selection = span || null;
    $(".dlg-title", adlg).textContent = r ? t("edit_action") : t("add_action");
    var a = r ? r.rec : {start: span ? span.start : "", end: span ? span.end : "", refs: []};
    $("[name=actor]", adlg).value = a.actor || "";
    $("[name=actor_text]", adlg).value = a.actor_text || "";
    $("[name=verb]", adlg).value = a.verb || "";
    var dl = a.deadline || {};
    $("[name=deadline_meeting]", adlg).value = dl.meeting || "";
    $("[name=deadline_date]", adlg).value = dl.date || "";
    $("[name=start]", adlg).value = a.start;
    $("[name=end]", adlg).value = a.end;
    $("[name=find]", adlg).value = "";
    $("[name=comment]", adlg).value = "";
    refChips.set(a.refs);
    spanPreview(adlg);
    open(adlg, r ? "[name=actor]" : (span ? "[name=actor]" : "[name=find]"));
  }
  function edit() {
    var r = need(); if (!r) { return; }
    if (r.target === "mention") { editMention(r); } else { editAction(r); }
  }

  if (mdlg) {
    $("[name=label]", mdlg).addEventListener("change", function () {
      $("input", $(".chipbox", mdlg)).setAttribute("data-label", this.value);
    });
    mdlg.querySelector("form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var sp = spanPreview(mdlg);
      if (!sp) { $("[name=start]", mdlg).focus(); return; }
      var fields = {label: $("[name=label]", mdlg).value, ids: idChips.collect(),
                    start: sp.start, end: sp.end, page: D.page};
      var comment = $("[name=comment]", mdlg).value.trim();
      if (comment) { fields.comment = comment; }
      mdlg.close();
      if (editing.mode === "add") {
        fields.op = "add"; fields.kind = "mention"; fields.document = D.document_sha256;
        send(fields);
      } else {
        send(onTarget(editing.r, "edit", fields));
      }
    });
  }
  if (adlg) {
    adlg.querySelector("form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var sp = spanPreview(adlg);
      if (!sp) { $("[name=start]", adlg).focus(); return; }
      var dateEl = $("[name=deadline_date]", adlg);
      if (dateEl.value && !/^\d{4}(-\d{2}(-\d{2})?|-Q[1-4])?$/.test(dateEl.value.trim())) {
        dateEl.setCustomValidity(t("bad_date")); dateEl.reportValidity(); return;
      }
      dateEl.setCustomValidity("");
      var fields = {actor: $("[name=actor]", adlg).value.trim() || null,
                    actor_text: $("[name=actor_text]", adlg).value.trim(),
                    verb: $("[name=verb]", adlg).value.trim(),
                    deadline: {meeting: $("[name=deadline_meeting]", adlg).value.trim() || null,
                               date: dateEl.value.trim() || null},
                    refs: refChips.collect(), start: sp.start, end: sp.end, page: D.page};
      var comment = $("[name=comment]", adlg).value.trim();
      if (comment) { fields.comment = comment; }
      adlg.close();
      if (editing.mode === "add") {
        fields.op = "add"; fields.kind = "action_item"; fields.document = D.document_sha256;
        send(fields);
      } else {
        send(onTarget(editing.r, "edit", fields));
      }
    });
  }

  function addFromSelection(kind) {
    var sp = selectedSpan();
    if (kind === "mention") { editMention(null, sp); } else { editAction(null, sp); }
  }

  // ------------------------------------------------------------ conflict
  function fill(pre, obj) { pre.textContent = obj ? JSON.stringify(obj, null, 2) : t("deleted"); }
  /** 409: their version (in force) and yours side by side; either choice is
   * a new ledger row against their revision (your refused row is kept too) */
  function showConflict(mine, body) {
    var theirs = body.current || null;
    var latest = body.latest || {};
    fill($(".theirs", cdlg), theirs);
    fill($(".yours", cdlg), body.yours || mine);
    $(".who", cdlg).textContent = latest.editor
      ? latest.editor + (latest.created_at ? ", " + latest.created_at : "") +
        (latest.edit ? " · " + latest.edit : "") : "";
    remember("lost", {change: mine, yours: body.yours || null});  // kept until the editor chooses
    var target = mine.target || (latest.target_key || latest.target);
    var rev = body.current_revision;
    var theirsBtn = $(".keep-theirs", cdlg);
    theirsBtn.onclick = function () {
      cdlg.close();
      if (theirs) {
        send({op: "accept", target: target, base_revision: rev, comment: t("chose_theirs")});
      } else {  // their change deleted it: nothing to re-state
        recall("lost"); location.reload();
      }
    };
    $(".keep-mine", cdlg).onclick = function () {
      cdlg.close();
      var again = {};
      Object.keys(mine).forEach(function (k) { again[k] = mine[k]; });
      if (again.target) { again.base_revision = rev; }
      if (!theirs && again.op !== "add" && again.op !== "delete" && body.yours) {
        // their change deleted it: yours comes back as an addition
        var y = body.yours;
        again = {op: "add", kind: (again.target || "").split(":")[0], document: D.document_sha256};
        Object.keys(y).forEach(function (k) { if (k !== "text" && k !== "attrs" && k !== "kind") { again[k] = y[k]; } });
      }
      again.comment = (mine.comment ? mine.comment + " · " : "") + t("chose_mine");
      send(again);
    };
    $(".cancel", cdlg).onclick = function () { cdlg.close(); };
    say(t("conflict"), "bad");
    open(cdlg, ".keep-mine");
  }

  // ------------------------------------------------------------ undo
  /** undo this editor's latest change on this page (server-side: a new row) */
  function undo() {
    var stack = recall("undo", true) || [];
    var last = stack.pop();
    if (!last) { say(t("nothing_to_undo")); return; }
    remember("undo", stack);
    send({op: "undo", target: last.target, base_revision: last.revision}, {isUndo: true});
  }

  function history() {
    var r = need(); if (!r) { return; }
    location.href = D.api.history + encodeURIComponent(r.rec.target).replace(/%3A/g, ":");
  }

  // ------------------------------------------------------------ keys
  function typing(ev) {
    var el = ev.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    var k = ev.key;
    var fn = {j: function () { move(1); }, k: function () { move(-1); }, a: accept, x: del, e: edit,
              u: undo, h: history, m: function () { addFromSelection("mention"); },
              i: function () { addFromSelection("action_item"); },
              "?": function () { open(kdlg, ".cancel"); }}[k];
    if (fn) { ev.preventDefault(); fn(); }
  });
  $$(".edit-toolbar [data-cmd]").forEach(function (b) {
    // mousedown keeps the page selection (a button click would not clear it anyway in Chromium)
    b.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
    b.addEventListener("click", function () {
      var c = b.getAttribute("data-cmd");
      ({accept: accept, delete: del, edit: edit, undo: undo, keys: function () { open(kdlg, ".cancel"); },
        "add-mention": function () { addFromSelection("mention"); },
        "add-action": function () { addFromSelection("action_item"); }})[c]();
    });
  });
  if (kdlg) { $(".cancel", kdlg).addEventListener("click", function () { kdlg.close(); }); }

  // ------------------------------------------------------------ after a reload
  var flash = recall("flash");
  if (flash) { say(flash, "good"); }
  var lost = recall("lost", true);
  if (lost && cdlg) {
    var note = document.getElementById("edit-lost");
    if (note) {
      note.hidden = false;
      fill($("pre", note), lost.yours || lost.change);
      $("button", note).addEventListener("click", function () { recall("lost"); note.hidden = true; });
    }
  }
  var f = recall("focus");
  if (f) {
    var el = f.target === "action_item"
      ? $('.item[data-start="' + Number(f.start) + '"][data-end="' + Number(f.end) + '"]')
      : $('.ptext .m[data-start="' + Number(f.start) + '"][data-end="' + Number(f.end) + '"]');
    if (el) { select(el); if (flash) { say(flash, "good"); } }
  }
  window.docmineEditor = {select: select, move: move, selectedSpan: selectedSpan};
})();
