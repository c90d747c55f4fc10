// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Show the ILD questions only when ILD is present. Hidden questions are
  // disabled, so they are not sent, but their answers are kept if ILD is
  // set back to present.
  function syncIldQuestions(form) {
    var chosen = form.querySelector('input[name="ild"]:checked');
    var show = chosen !== null && chosen.value === "present";
    form.querySelectorAll("[data-ild-only]").forEach(function (question) {
      question.classList.toggle("is-hidden", !show);
      question.querySelectorAll("input").forEach(function (input) {
        input.disabled = !show;
      });
    });
  }

  // Hide a question that is asked only unless another has a given answer (breathing-muscle
  // weakness, unless there is no myositis); hidden questions are disabled, so not sent.
  function syncAskedUnless(form) {
    form.querySelectorAll("[data-asked-unless]").forEach(function (question) {
      var rule = question.getAttribute("data-asked-unless").split("=");
      var chosen = form.querySelector('input[name="' + rule[0] + '"]:checked');
      var hide = chosen !== null && chosen.value === rule[1];
      question.classList.toggle("is-hidden", hide);
      question.querySelectorAll("input").forEach(function (input) { input.disabled = hide; });
    });
  }

  // Presenter view: one slide at a time. → Space PageDown next (a slide's steps first),
  // ← PageUp previous, Home End first and last; A shows all of a slide's steps; Escape leaves
  // for the page the deck was opened from; ↓ ↑ are left to scroll inside a slide. The answer
  // slide's groups of factors (present, not assessed, absent) are its steps, one group a key.
  function presenterDeck(slides) {
    var index = 0;
    document.body.classList.add("deck");
    slides.forEach(function (slide) { slide.setAttribute("tabindex", "-1"); });

    var groups = document.querySelector('[data-steps="groups"]');
    if (groups) {
      groups.classList.add("is-stepping");
      groups.setAttribute("aria-live", "polite");
      veil(groups, true);
    }
    document.querySelectorAll("[data-show-all]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { showAll(button.closest("[data-slide]")); });
    });
    document.querySelectorAll("[data-one-by-one]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var box = button.closest("[data-slide]").querySelector("[data-steps]");
        var on = button.getAttribute("aria-pressed") !== "true";
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.textContent = on ? "Show them all at once" : "Show them one at a time";
        box.classList.toggle("is-stepping", on);
        box.setAttribute("aria-live", on ? "polite" : "off");
        veil(box, on);
      });
    });

    function veil(box, hide) {
      box.querySelectorAll("[data-step]").forEach(function (step) { step.classList.toggle("is-veiled", hide); });
      if (!hide) {
        var all = box.closest("[data-slide]").querySelector("[data-show-all]");
        if (all) { all.hidden = true; }
      }
    }
    function showAll(slide) {
      slide.querySelectorAll("[data-steps].is-stepping").forEach(function (box) { veil(box, false); });
    }
    function nextStep(slide) {
      var box = slide.querySelector("[data-steps].is-stepping");
      return box ? box.querySelector("[data-step].is-veiled") : null;
    }
    function show(i, focus) {
      index = Math.max(0, Math.min(slides.length - 1, i));
      slides.forEach(function (slide, j) { slide.classList.toggle("is-current", j === index); });
      var slide = slides[index];
      slide.scrollTop = 0;
      if (window.history.replaceState) { window.history.replaceState(null, "", "#" + slide.id); }
      if (focus !== false) { slide.focus({ preventScroll: true }); }
    }
    function next() {
      var step = nextStep(slides[index]);
      if (step) {
        step.classList.remove("is-veiled");
        if (!nextStep(slides[index])) { veil(step.closest("[data-steps]"), false); }
        return;
      }
      show(index + 1);
    }
    function slideOf(hash) {
      var target = hash && hash.length > 1 ? document.getElementById(hash.slice(1)) : null;
      var slide = target ? target.closest("[data-slide]") : null;
      return slide ? slides.indexOf(slide) : -1;
    }
    // The library or a case's page, when the deck was opened from one of them.
    function cameFrom() {
      var url;
      try { url = new URL(document.referrer); } catch (e) { return null; }
      if (url.origin !== window.location.origin || !/^\/cases(\/[^\/]+)?\/?$/.test(url.pathname)) { return null; }
      return url.href;
    }
    // Escape: a what-if's or a comparison's way back; else the page the deck came from (Back,
    // so that it keeps its place); else the case's page.
    function leave() {
      var back = slides[index].querySelector("a[data-back]");
      var from = back ? null : cameFrom();
      var leaving = slides[index].querySelector("a[data-leave]");
      if (from && window.history.length > 1) {
        window.history.back();
      } else if (back || from || leaving) {
        window.location.href = back ? back.href : (from || leaving.href);
      }
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest('a[href^="#"]');
      if (!link) { return; }
      var found = slideOf(link.getAttribute("href"));
      if (found < 0) { return; }
      event.preventDefault();
      if (link.hasAttribute("data-next") && found === index + 1) { next(); } else { show(found); }
    });
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey) { return; }
      var tag = event.target.tagName;
      var typing = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
      var pressing = tag === "BUTTON" || tag === "A" || tag === "SUMMARY";
      var key = event.key;
      if (typing && key !== "PageDown" && key !== "PageUp") { return; }
      if (pressing && (key === " " || key === "Enter")) { return; }
      if (key === "ArrowRight" || key === "PageDown" || (key === " " && !event.shiftKey)) {
        event.preventDefault();
        next();
      } else if (key === "ArrowLeft" || key === "PageUp" || (key === " " && event.shiftKey)) {
        event.preventDefault();
        show(index - 1);
      } else if (key === "Home") {
        event.preventDefault();
        show(0);
      } else if (key === "End") {
        event.preventDefault();
        show(slides.length - 1);
      } else if (key === "a" || key === "A") {
        event.preventDefault();
        showAll(slides[index]);
      } else if (key === "Escape") {
        leave();
      }
    });
    window.addEventListener("hashchange", function () {
      var found = slideOf(window.location.hash);
      if (found >= 0 && found !== index) { show(found); }
    });
    var start = slideOf(window.location.hash);
    show(start < 0 ? 0 : start, start >= 0);
    if (start >= 0 && groups && slides.indexOf(groups.closest("[data-slide]")) < start) {
      veil(groups, false);  // coming back past the answer: it has been shown
    }
  }

  // Answers kept in this browser tab only (sessionStorage: gone when the tab is closed),
  // so that Back and Forward show the form filled and each result again. Never sent anywhere
  // but back to this site's form, in the body of a POST. "asys-answers" holds what was last
  // typed into the form; each result in the tab's history has its own record, found through
  // a random id in that history entry's state (the id says nothing about the patient).
  var KEY = "asys-answers";
  var RESULT = "asys-result:";

  function read(key) {
    try { return JSON.parse(window.sessionStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function store(key, value) {
    try { window.sessionStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage off */ }
  }

  function readKept() { return read(KEY); }

  function keep(answers) { store(KEY, answers); }

  function forget() {
    try {
      for (var i = window.sessionStorage.length - 1; i >= 0; i -= 1) {
        var key = window.sessionStorage.key(i);
        if (key === KEY || key.indexOf(RESULT) === 0) { window.sessionStorage.removeItem(key); }
      }
    } catch (e) { /* storage off */ }
  }

  function answersOf(form, prefix) {
    var found = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.name === "action" || el.name === "what_if") { return; }
      if (prefix === undefined && el.name.indexOf("was-") === 0) { return; }  // the answers before Change
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      if (prefix !== undefined) {
        if (el.name.indexOf(prefix) !== 0) { return; }
        found[el.name.slice(prefix.length)] = el.value;
      } else if (el.value !== "") { found[el.name] = el.value; }
    });
    return found;
  }

  function fill(form, answers) {
    Object.keys(answers).forEach(function (name) {
      Array.prototype.forEach.call(form.querySelectorAll('[name="' + name + '"]'), function (el) {
        if (el.type === "radio") { el.checked = el.value === answers[name]; } else { el.value = answers[name]; }
      });
    });
  }

  function keepAnswersOnTheForm(form) {
    if (form.hasAttribute("data-posted") && window.history.replaceState) {
      // The form came back from a POST (Change, or answers to correct): Back and Forward
      // load the form afresh and fill it from the answers kept here, rather than ask to
      // send the POST again.
      window.history.replaceState(null, "", window.location.pathname);
    }
    var kept = readKept();
    if (kept && !form.hasAttribute("data-posted") && cameBackOrReloaded()) {
      // Back, Forward or Reload to the form: show what was last typed, whole. A form
      // opened afresh (a link, the site's name) stays empty, ready for the next patient.
      form.reset();
      fill(form, kept);
    }
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.hasAttribute("data-clear")) { forget(); return; }
      keep(answersOf(form));
    });
    // Kept as it is typed, so that Reload, and Back after a link, keep what was typed.
    form.addEventListener("change", function () { keep(answersOf(form)); });
    form.addEventListener("input", function () { keep(answersOf(form)); });
  }

  function cameBackOrReloaded() {
    var entries = window.performance && window.performance.getEntriesByType
      ? window.performance.getEntriesByType("navigation") : [];
    return entries.length > 0 && (entries[0].type === "back_forward" || entries[0].type === "reload");
  }

  // What posts this result again: a plain result's answers, or a what-if's original answers
  // with the change asked for (and the teaching case it was asked from).
  function recordOf(form) {
    if (!form.hasAttribute("data-keep-what-if")) { return { fields: answersOf(form) }; }
    var fields = answersOf(form, "a-");
    ["what_if", "case"].forEach(function (name) {
      var input = form.querySelector('input[name="' + name + '"]');
      if (input) { fields[name] = input.value; }
    });
    return { fields: fields };
  }

  function keepTheResult(form) {
    // The form kept what was typed (units and "not tested" included); keep the result's
    // answers for the form only when nothing was kept, as after a result from another tab.
    if (!readKept() && !form.hasAttribute("data-keep-what-if")) { keep(answersOf(form)); }
    if (!window.history.replaceState) { return; }
    var id = Date.now().toString(36) + Math.random().toString(36).slice(2);
    store(RESULT + id, recordOf(form));
    // The result came from a POST: Back and Forward would ask to send it again.
    // /result posts this entry's record once more instead, so nothing is lost.
    window.history.replaceState({ asysResult: id }, "", "/result");
  }

  function restore(form) {
    var id = window.history.state && window.history.state.asysResult;
    var record = id ? read(RESULT + id) : null;
    // Only this entry's own record: after Clear, the answers kept since are another patient's.
    var fields = record ? record.fields : null;
    if (!fields) {
      var status = document.querySelector("[data-restore-status]");
      if (status) {
        status.textContent = "This tab no longer holds the answers for this result: they were " +
          "cleared, or the tab was closed. Nothing was kept on the server.";
      }
      return;
    }
    if (record) {
      // The result posted again keeps a record of its own.
      try { window.sessionStorage.removeItem(RESULT + id); } catch (e) { /* storage off */ }
    }
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    if (!window.fetch || !window.URLSearchParams) { form.submit(); return; }
    // Posted, and the reply written into this page: no navigation, so this history entry stays
    // as it is and the entries after it (Forward) are kept. A form submitted instead may become
    // a new entry when the page has loaded first, and the browser then drops what was ahead.
    window.fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) { return response.text(); }).then(function (html) {
      document.open();
      document.write(html);
      document.close();
    }).catch(function () { form.submit(); });
  }

  // ---- The form follows the record (issue 19, point 4) ----
  // The change from the lung-function value up to a year before to the most recent one, shown
  // as it is typed ("−7 points"), read as the form reads it ("68%", a decimal comma). The
  // output is not a live region: it is read where it stands, not announced on each keystroke.
  function typedNumber(input) {
    var text = input.value.trim();
    var value = readNumber(text, { percent: true });  // as the live summary reads it
    var low = Number(input.getAttribute("data-min"));
    var high = Number(input.getAttribute("data-max"));
    if (value === null || value < low || value > high) { return null; }
    var decimals = text.replace(/%\s*$/, "").replace(",", ".").split(".")[1] || "";
    return { value: value, places: decimals.length };
  }

  function showChange(output) {
    var names = output.getAttribute("data-change").split(" ");
    var now = typedNumber(document.getElementById(names[0]));
    var before = typedNumber(document.getElementById(names[1]));
    if (!now || !before) { output.textContent = ""; return; }
    var places = Math.max(now.places, before.places);
    var scale = Math.pow(10, places);
    var change = (Math.round(now.value * scale) - Math.round(before.value * scale)) / scale;
    var size = Math.abs(change).toFixed(places);
    if (places > 0) { size = size.replace(/0+$/, "").replace(/\.$/, ""); }
    var sign = change < 0 ? "\u2212" : change > 0 ? "+" : "";
    output.textContent = sign + size + (Math.abs(change) === 1 ? " point" : " points");
  }

  function lungChanges(form) {
    var outputs = form.querySelectorAll("output[data-change]");
    function all() { outputs.forEach(showChange); }
    all();
    form.addEventListener("input", all);
    window.addEventListener("pageshow", all);
  }

  // An error summary's link goes to the field with its question and its error message in view
  // (the browser alone scrolls the field to the top, its label and message above the screen),
  // clear of the submit bar at the foot.
  function errorLinks(summary) {
    summary.querySelectorAll('a[href^="#"]').forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) { return; }
        var row = field.closest("tr");
        var errors = row && row.previousElementSibling;
        var shown = errors && errors.classList.contains("lung-errors") ? errors
          : field.closest(".question") || field;
        event.preventDefault();
        shown.scrollIntoView({ block: "start" });
        field.focus({ preventScroll: true });
      });
    });
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var text = document.getElementById(button.getAttribute("data-copy"));
      var status = button.closest("section").querySelector(".copy-status");
      button.hidden = false;
      button.addEventListener("click", function () {
        function done(message) { if (status) { status.textContent = message; } }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text.value).then(
            function () { done("Copied. Paste it into the notes."); },
            function () { text.select(); done("Select the text and copy it with your keyboard."); }
          );
        } else {
          text.select();
          done("Select the text and copy it with your keyboard.");
        }
      });
    });
    document.querySelectorAll("[data-download]").forEach(function (button) {
      var text = document.getElementById(button.getAttribute("data-download"));
      button.hidden = false;
      button.addEventListener("click", function () {
        var blob = new Blob([text.value], { type: "text/plain;charset=utf-8" });
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = button.getAttribute("data-filename") || "result.txt";
        document.body.appendChild(link);
        link.click();
        window.setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
      });
    });
  }

  // Print opens the explanations of the factors present and not assessed.
  function printDetails() {
    var opened = [];
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll(".factor--present details.factor-more, .factor--not_assessed details.factor-more").forEach(function (d) {
        if (!d.open) { d.open = true; opened.push(d); }
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  }

  // Teaching quiz (issue 20): "Check my answers" marks each guess in the page itself, so
  // nothing is sent; without this script the form posts and the reply is marked instead.
  function quizMarks(form) {
    var result = document.querySelector("[data-quiz-result]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var items = form.querySelectorAll("[data-quiz-item]");
      var right = 0;
      items.forEach(function (item) {
        var chosen = item.querySelector("input:checked");
        var state = chosen === null ? "none" : (chosen.value === item.getAttribute("data-answer") ? "right" : "wrong");
        if (state === "right") { right += 1; }
        if (chosen !== null) {
          item.querySelector("[data-guess]").textContent = item.querySelector('label[for="' + chosen.id + '"]').textContent;
        }
        item.querySelectorAll("[data-verdict]").forEach(function (verdict) {
          verdict.hidden = verdict.getAttribute("data-verdict") !== state;
        });
        item.querySelector("[data-quiz-mark]").hidden = false;
      });
      result.querySelector("[data-quiz-right]").textContent = String(right);
      result.hidden = false;
      result.focus();
    });
  }

  // ---- The live summary beside the form (issue 19) ------------------------------------
  // As answers are given, ask POST /api/v3/assess (the JSON API, in the body: never in a URL)
  // and name, in the panel, the cautions, the factors present (strongest evidence first) and
  // the answers that would assess more. Nothing is stored. The panel is a polite live region:
  // it never takes the focus, and it changes only when what it says changes.
  var EFFECT_ORDER = { adverse: 0, favourable: 1 };
  var EVIDENCE_ORDER = { consistent: 0, mixed: 1, limited: 2 };

  function readNumber(text, spec) {
    if (spec.percent) { text = text.replace(/%\s*$/, "").trim(); }
    if (text.indexOf(",") >= 0 && text.indexOf(".") < 0 && text.split(",").length === 2) {
      var parts = text.split(",");
      if (parts[1].length === 3) { return null; }  // 1,800: a thousand apart; the form asks
      text = parts[0] + "." + parts[1];
    }
    if (!/^[+-]?([0-9]+(\.[0-9]+)?|\.[0-9]+)$/.test(text)) { return null; }  // as the server reads it
    return parseFloat(text);
  }

  function liveAnswers(form, specs) {
    var data = new FormData(form);  // what the form would send: disabled (hidden) questions left out
    var body = {};
    var unread = [];
    Object.keys(specs).forEach(function (name) {
      var spec = specs[name];
      var value = (data.get(name) || "").toString().trim();
      if (!value) { return; }
      if (!spec.number) { body[name] = value; return; }
      var number = readNumber(value, spec);
      var factor = 1;
      if (spec.units) { factor = spec.units[(data.get(name + "_unit") || "").toString()]; }
      if (number === null) { unread.push(spec.label); return; }
      if (!factor) { unread.push(spec.label + " (choose its unit)"); return; }
      body[name] = Math.round(number * factor * 1e6) / 1e6;
    });
    return { body: body, unread: unread };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function namedList(specs, names) {
    var line = element("p", "live-needed");
    line.appendChild(element("strong", "", "Answers that would assess more: "));
    names.forEach(function (name, i) {
      var link = element("a", "", specs[name].label);
      link.href = "#" + specs[name].anchor;
      // The comma kept with the answer before it, so that no line starts with one.
      var item = element("span", "live-needed-item");
      item.appendChild(link);
      item.appendChild(document.createTextNode(i < names.length - 1 ? "," : "."));
      if (i > 0) { line.appendChild(document.createTextNode(" ")); }
      line.appendChild(item);
    });
    return line;
  }

  function liveView(answer, specs, unread) {
    var parts = [];
    if (unread.length) {
      parts.push(element("p", "live-unread", "Not read yet: " + unread.join("; ") +
        ". The full result will say what to correct."));
    }
    if (answer.cautions.length) {
      var cautions = element("ul", "live-cautions");
      answer.cautions.forEach(function (caution) {
        var item = element("li", "live-caution");
        item.appendChild(element("strong", "", "⚠ " + caution.title));
        item.appendChild(document.createTextNode(": " + caution.reason));
        cautions.appendChild(item);
      });
      parts.push(element("p", "live-label", "Cautions: these factors may not apply"), cautions);
    }
    var present = answer.factors.filter(function (f) { return f.status === "present"; });
    present.sort(function (a, b) {
      return (EFFECT_ORDER[a.effect] - EFFECT_ORDER[b.effect]) ||
        (EVIDENCE_ORDER[a.evidence] - EVIDENCE_ORDER[b.evidence]);
    });
    if (present.length) {
      parts.push(element("p", "live-label", "Present, the strongest evidence first:"));
      var list = element("ul", "live-present");
      present.forEach(function (f) {
        var item = element("li", "glance-item glance-item--" + f.effect + " glance-item--" + f.evidence);
        item.setAttribute("data-live-present", f.id);
        item.appendChild(element("strong", "", f.title));
        item.appendChild(document.createTextNode(" (" + f.effect + "; "));
        item.appendChild(element("span", "glance-evidence", f.evidence + " evidence"));
        item.appendChild(document.createTextNode("): " + f.reason));
        list.appendChild(item);
      });
      parts.push(list);
    } else {
      parts.push(element("p", "", "No documented factor is present in these answers so far."));
    }
    var setAside = answer.factors.filter(function (f) { return f.set_aside_by; });
    if (setAside.length) {
      parts.push(element("p", "live-set-aside", "Set aside by a caution: " +
        setAside.map(function (f) { return f.title; }).join("; ") + "."));
    }
    var needed = [];
    answer.factors.forEach(function (f) {
      if (f.status !== "not_assessed" || f.set_aside_by) { return; }
      f.missing_inputs.forEach(function (name) {
        if (specs[name] && needed.indexOf(name) < 0) { needed.push(name); }
      });
    });
    needed.sort(function (a, b) { return specs[a].order - specs[b].order; });  // the form's order
    if (needed.length) { parts.push(namedList(specs, needed)); }
    return parts;
  }

  function liveSummary(form, panel) {
    var specs;
    try { specs = JSON.parse(panel.getAttribute("data-live-fields")); } catch (e) { return; }
    if (!window.fetch || !window.FormData) { return; }
    var body = panel.querySelector("[data-live-body]");
    var url = panel.getAttribute("data-live");
    var timer = null;
    var said = "";
    var pending = null;
    panel.hidden = false;
    form.parentNode.classList.add("form-layout--live");

    function show(nodes, key) {
      if (key === said) { return; }  // nothing new: nothing announced
      said = key;
      while (body.firstChild) { body.removeChild(body.firstChild); }
      nodes.forEach(function (node) { body.appendChild(node); });
    }

    function update() {
      var read = liveAnswers(form, specs);
      if (!Object.keys(read.body).length) {
        show([element("p", "", "Answer a question to see the factors it shows.")], "empty");
        return;
      }
      if (pending) { pending.abort(); }
      pending = window.AbortController ? new AbortController() : null;
      window.fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(read.body),
        credentials: "same-origin",
        cache: "no-store",
        signal: pending ? pending.signal : undefined
      }).then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      }).then(function (got) {
        if (!got.ok) {
          var names = (got.answer.errors || []).map(function (e) {
            return specs[e.field] ? specs[e.field].label + ": " + e.message : e.message;
          });
          show([element("p", "live-unread", "Not updated until an answer is corrected. " +
            names.join(" "))], "error:" + names.join("|"));
          return;
        }
        var nodes = liveView(got.answer, specs, read.unread);
        var key = nodes.map(function (n) { return n.textContent; }).join("\n");
        show(nodes, key);
      }).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        show([element("p", "live-unread", "The summary could not be updated. " +
          "Show the full result still works.")], "failed");
      });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    update();
  }

  function init() {
    var form = document.querySelector("form.answers");
    if (form) {
      keepAnswersOnTheForm(form);
      // Keep a question that has an error visible, so its message is seen.
      if (form.querySelector("[data-ild-only].question--error, [data-ild-only] .question--error") === null) {
        syncIldQuestions(form);
      }
      form.querySelectorAll('input[name="ild"]').forEach(function (radio) {
        radio.addEventListener("change", function () { syncIldQuestions(form); });
      });
      syncAskedUnless(form);
      form.addEventListener("change", function () { syncAskedUnless(form); });
      lungChanges(form);
      var live = document.querySelector("[data-live]");
      if (live) { liveSummary(form, live); }
    }
    var result = document.querySelector("form[data-keep-answers], form[data-keep-what-if]");
    if (result) { keepTheResult(result); }
    var again = document.querySelector("form[data-restore]");
    if (again) { restore(again); }
    document.querySelectorAll("[data-clear]").forEach(function (button) {
      button.addEventListener("click", forget);
    });
    copyButtons();
    printDetails();
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && form) { syncIldQuestions(form); syncAskedUnless(form); }
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    var slides = Array.prototype.slice.call(document.querySelectorAll("[data-slide]"));
    if (slides.length) {
      presenterDeck(slides);
    }
    var quiz = document.querySelector("form[data-quiz]");
    if (quiz) { quizMarks(quiz); }
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    if (summary && form) { errorLinks(summary); }  // the form's: links to its fields
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
