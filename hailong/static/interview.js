// The enumerator's interview page: runs the questionnaire on the phone, keeps each finished
// interview in IndexedDB under an id made here, and sends the waiting ones whenever the
// network is there. The server stores each id once, so sending again is always safe.
"use strict";

(function () {
  const DB_NAME = "hailong-interviews";
  const STORE = "interviews";
  const PRESET = new Set(["procedure"]); // answered by the setup, never asked again
  let setup = null;
  let words = {};
  let db = null; // null: no storage, online only
  let current = null; // the interview being run
  let choice = null; // the last unit, counter and procedure picked
  let sending = false;

  const $ = (id) => document.getElementById(id);
  const el = (tag, props, children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) node.append(child);
    return node;
  };
  const label = (text) => (text ? text[setup.language] || text.vi : "");

  // Storage ------------------------------------------------------------------------------

  function openStorage() {
    return new Promise((resolve) => {
      let request;
      try {
        request = indexedDB.open(DB_NAME, 1);
      } catch (error) {
        resolve(null);
        return;
      }
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    });
  }

  function stored(mode, work) {
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(result && result.result);
      transaction.onerror = () => reject(transaction.error);
    });
  }

  const keep = (item) => stored("readwrite", (store) => store.put(item));
  const everything = () => stored("readonly", (store) => store.getAll());

  // The path through the questionnaire (as survey_flows.engine walks it) --------------------

  function holds(condition, answers) {
    if (!condition) return true;
    const accepted = condition.equals !== null && condition.equals !== undefined
      ? [condition.equals] : condition.any_of;
    return accepted.includes(answers[condition.question]);
  }

  function screenedOutBy(question, answers) {
    return question.screen_out_unless !== null && question.screen_out_unless !== undefined
      && question.key in answers && answers[question.key] !== question.screen_out_unless;
  }

  function path(answers) {
    const found = [];
    const effective = {};
    for (const section of setup.questionnaire.sections) {
      for (const question of section.questions) {
        if (!holds(section.when, effective) || !holds(question.when, effective)) continue;
        found.push({ section, question });
        if (question.key in answers) effective[question.key] = answers[question.key];
        if (screenedOutBy(question, answers)) return { steps: found, screened: true };
      }
    }
    return { steps: found, screened: false };
  }

  function isRequired(question) {
    if (question.required !== null && question.required !== undefined) return question.required;
    return question.kind !== "criterion";
  }

  function pageQuestions(sectionKey, answers) {
    return path(answers).steps
      .filter((step) => step.section.key === sectionKey && !PRESET.has(step.question.key))
      .map((step) => step.question);
  }

  function pages(answers) {
    const keys = [];
    for (const step of path(answers).steps) {
      if (PRESET.has(step.question.key)) continue;
      if (!keys.includes(step.section.key)) keys.push(step.section.key);
    }
    return keys;
  }

  function isOpen(question, answers) {
    return !(question.key in answers) || (isRequired(question) && answers[question.key] === null);
  }

  // Drawing ------------------------------------------------------------------------------

  function show(section) {
    for (const id of ["setup", "survey", "done"]) $(id).hidden = id !== section;
  }

  function drawSetup() {
    const form = $("setup-form");
    form.replaceChildren();
    if (!setup.units.length) {
      form.append(el("p", { className: "err", textContent: words.no_units }));
      show("setup");
      return;
    }
    const unitSelect = el("select", { id: "unit", name: "unit" });
    const counterSelect = el("select", { id: "counter", name: "counter" });
    const procedureSelect = el("select", { id: "procedure", name: "procedure" });
    for (const unit of setup.units) {
      unitSelect.append(el("option", { value: String(unit.id), textContent: unit.name }));
    }
    const fill = () => {
      const unit = setup.units.find((u) => String(u.id) === unitSelect.value);
      counterSelect.replaceChildren(...unit.counters.map(
        (c) => el("option", { value: String(c.id), textContent: c.name })));
      procedureSelect.replaceChildren(
        ...unit.procedures.map((p) => el("option", { value: p.code, textContent: p.name })),
        el("option", { value: setup.other_procedure, textContent: words.other_procedure }));
    };
    unitSelect.addEventListener("change", fill);
    if (choice) unitSelect.value = String(choice.unit_id);
    fill();
    if (choice) {
      counterSelect.value = String(choice.counter_id);
      procedureSelect.value = choice.procedure_code;
    }
    const field = (text, select) => [el("label", { htmlFor: select.id, textContent: text }), select];
    form.className = "fields";
    form.append(
      ...field(words.unit, unitSelect),
      ...field(words.counter, counterSelect),
      ...field(words.procedure, procedureSelect),
      el("button", { type: "submit", className: "btn", textContent: words.start }),
    );
    form.onsubmit = (event) => {
      event.preventDefault();
      choice = {
        unit_id: Number(unitSelect.value),
        counter_id: Number(counterSelect.value),
        procedure_code: procedureSelect.value,
      };
      current = {
        client_id: crypto.randomUUID(),
        ...choice,
        answers: { procedure: choice.procedure_code },
        started_at: new Date().toISOString(),
        language: setup.language,
        page: null,
      };
      const first = pages(current.answers)[0];
      drawPage(first);
    };
    show("setup");
  }

  function drawQuestion(question, answers, problem) {
    const box = el("fieldset", { className: "q" + (problem ? " bad" : ""), id: "q-" + question.key });
    box.append(el("legend", { textContent: label(question.text) }));
    if (question.help) box.append(el("p", { className: "help", textContent: label(question.help) }));
    if (problem) box.append(el("p", { className: "err", textContent: problem }));
    const given = answers[question.key];
    if (question.kind === "text") {
      box.append(el("textarea", {
        name: question.key, rows: 4, maxLength: question.max_length || 1000, value: given || "",
      }));
      return box;
    }
    const type = question.kind === "multi_choice" ? "checkbox" : "radio";
    const chosen = Array.isArray(given) ? given : [given];
    for (const option of question.options) {
      const input = el("input", {
        type, name: question.key, value: option.code, checked: chosen.includes(option.code),
      });
      box.append(el("label", { className: "opt" }, [input, label(option.label)]));
    }
    if (!isRequired(question) && type === "radio") {
      const input = el("input", { type, name: question.key, value: "", checked: given === null });
      box.append(el("label", { className: "opt skip" }, [input, words.skip]));
    }
    return box;
  }

  function drawPage(sectionKey, problems) {
    current.page = sectionKey;
    const section = setup.questionnaire.sections.find((s) => s.key === sectionKey);
    const all = pages(current.answers);
    $("progress").textContent = words.page_of
      .replace("{n}", String(all.indexOf(sectionKey) + 1)).replace("{total}", String(all.length));
    $("read-aloud").textContent = words.read_aloud;
    $("title").textContent = label(section.title);
    $("intro").textContent = label(section.intro);
    const form = $("page-form");
    const questions = pageQuestions(sectionKey, current.answers);
    form.replaceChildren(...questions.map(
      (q) => drawQuestion(q, current.answers, (problems || {})[q.key])));
    const last = isLastPage(sectionKey);
    form.append(el("button", {
      type: "submit", className: "btn", textContent: last ? words.finish : words.next,
    }));
    form.onsubmit = (event) => {
      event.preventDefault();
      next(sectionKey, questions);
    };
    const index = all.indexOf(sectionKey);
    const back = $("back");
    back.hidden = index <= 0;
    back.textContent = "← " + words.back;
    back.onclick = (event) => {
      event.preventDefault();
      if (index > 0) drawPage(all[index - 1]);
    };
    show("survey");
    window.scrollTo(0, 0);
  }

  function isLastPage(sectionKey) {
    const all = pages(current.answers);
    return all.indexOf(sectionKey) === all.length - 1;
  }

  function readPage(questions) {
    const form = $("page-form");
    const problems = {};
    for (const question of questions) {
      const inputs = [...form.querySelectorAll(`[name="${question.key}"]`)];
      let value;
      if (question.kind === "text") {
        value = inputs[0].value.trim() || null;
      } else if (question.kind === "multi_choice") {
        value = inputs.filter((i) => i.checked).map((i) => i.value);
        if (!value.length) value = null;
      } else {
        const picked = inputs.find((i) => i.checked);
        value = picked ? picked.value || null : undefined;
      }
      if (value === undefined || (value === null && isRequired(question))) {
        problems[question.key] = words.required;
        delete current.answers[question.key];
      } else {
        current.answers[question.key] = value;
      }
    }
    return problems;
  }

  function next(sectionKey, questions) {
    const problems = readPage(questions);
    if (Object.keys(problems).length) {
      drawPage(sectionKey, problems);
      return;
    }
    // Answers of questions no longer on the path (an earlier answer changed) are dropped.
    const walked = path(current.answers);
    const keep = new Set(walked.steps.map((s) => s.question.key));
    for (const key of Object.keys(current.answers)) {
      if (!keep.has(key)) delete current.answers[key];
    }
    const still = pageQuestions(sectionKey, current.answers).filter(
      (q) => isOpen(q, current.answers));
    if (still.length && !walked.screened) {
      drawPage(sectionKey); // a question of this page that now applies
      return;
    }
    const all = pages(current.answers);
    const following = all[all.indexOf(sectionKey) + 1];
    if (walked.screened || following === undefined) {
      finish();
      return;
    }
    drawPage(following);
  }

  // Finishing and sending ----------------------------------------------------------------

  async function finish() {
    const item = {
      client_id: current.client_id,
      unit_id: current.unit_id,
      counter_id: current.counter_id,
      procedure_code: current.procedure_code,
      answers: Object.fromEntries(Object.entries(current.answers).filter(([k]) => !PRESET.has(k))),
      started_at: current.started_at,
      finished_at: new Date().toISOString(),
      language: current.language,
      state: "queued",
      reason: "",
    };
    current = null;
    if (db) {
      await keep(item);
      $("saved").textContent = words.saved;
    } else {
      online.push(item);
    }
    $("next-respondent").textContent = words.next_respondent;
    show("done");
    await sendWaiting();
    if (!db && item.state === "queued") $("saved").textContent = words.not_sent;
    else if (!db) $("saved").textContent = words.saved;
  }

  const online = []; // without storage: this page's own interviews, for the list

  async function items() {
    return db ? everything() : online;
  }

  async function sendWaiting() {
    if (sending) return;
    sending = true;
    try {
      for (const item of await items()) {
        if (item.state !== "queued") continue;
        const outcome = await send(item);
        if (outcome === "stop") break;
      }
    } finally {
      sending = false;
      await drawQueue();
    }
  }

  async function send(item) {
    const { state, reason, ...body } = item;
    let response;
    try {
      response = await fetch("/interview/responses", {
        method: "POST",
        headers: { "content-type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(body),
      });
    } catch (error) {
      noteNetwork(false);
      return "stop"; // no network: everything waits
    }
    noteNetwork(true);
    if (response.status === 401) {
      noteNetwork(true, words.sign_in);
      return "stop";
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      return "stop"; // the server's trouble: try again later
    }
    if (response.ok) {
      item.state = "sent";
    } else {
      let message = "";
      try {
        message = label((await response.json()).error.message);
      } catch (error) {
        message = "HTTP " + response.status;
      }
      item.state = "refused";
      item.reason = message;
    }
    if (db) await keep(item);
    return "ok";
  }

  function noteNetwork(up, text) {
    const box = $("network");
    box.hidden = up && !text;
    box.textContent = text || words.offline;
  }

  async function drawQueue() {
    $("queue-title").textContent = words.queue;
    const list = $("queue");
    const all = (await items()).slice().sort((a, b) => (a.finished_at < b.finished_at ? 1 : -1));
    list.replaceChildren(...all.map((item) => {
      const unit = setup.units.find((u) => u.id === item.unit_id);
      const when = new Date(item.finished_at).toLocaleTimeString(setup.language);
      const text = `${when} · ${unit ? unit.name : ""} · ${words[item.state]}`;
      const row = el("li", { className: "item " + item.state, textContent: text });
      row.dataset.state = item.state;
      if (item.reason) row.append(el("span", { className: "err", textContent: " " + item.reason }));
      return row;
    }));
  }

  // Start --------------------------------------------------------------------------------

  async function start() {
    const response = await fetch("/interview/setup.json", { credentials: "same-origin" });
    if (response.status === 401) {
      window.location.href = "/office/login?next=/interview/";
      return;
    }
    setup = await response.json();
    words = setup.words;
    db = await openStorage();
    if (!db) {
      $("storage").textContent = words.no_storage;
      $("storage").hidden = false;
    }
    $("next-respondent").onclick = drawSetup;
    window.addEventListener("online", sendWaiting);
    window.addEventListener("offline", () => noteNetwork(false));
    setInterval(sendWaiting, 15000);
    drawSetup();
    await sendWaiting();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/interview/sw.js", { scope: "/interview/" })
        .catch(() => {});
    }
  }

  start();
})();
