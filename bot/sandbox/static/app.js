// Stride sandbox page: three phone-style chats (patient, supervisor, peer group), a clock,
// live updates by server-sent events. Plain JavaScript, no framework, same-origin only.
"use strict";

(() => {
  const messagesByChat = new Map(); // chat id -> Map(message id -> message)
  const loadedChats = new Set();
  const pressedBy = new Map(); // callback query id -> the panel whose button was pressed
  const panels = [];
  const cast = { patients: [], supervisor: null, group: null };
  let clockOffsetMs = 0;
  let patientZone = "UTC";
  let nudgesInstalled = false;

  // ------------------------------------------------------------------ helpers
  async function api(path, body) {
    const options = body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    };
    const response = await fetch(path, options);
    let data;
    try {
      data = await response.json();
    } catch (error) {
      data = { ok: false, error: response.statusText };
    }
    if (!response.ok || data.ok === false) {
      throw new Error(data.error || response.statusText);
    }
    return data;
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function personName(id) {
    if (cast.supervisor && cast.supervisor.id === id) return cast.supervisor.name;
    const patient = cast.patients.find((p) => p.id === id);
    return patient ? patient.name : `User ${id}`;
  }

  function formatTime(seconds, zone, withDay) {
    const options = { hour: "2-digit", minute: "2-digit", timeZone: zone };
    if (withDay) Object.assign(options, { weekday: "short", day: "numeric", month: "short" });
    try {
      return new Intl.DateTimeFormat("en-GB", options).format(new Date(seconds * 1000));
    } catch (error) {
      return new Date(seconds * 1000).toISOString();
    }
  }

  function chatStore(chatId) {
    if (!messagesByChat.has(chatId)) messagesByChat.set(chatId, new Map());
    return messagesByChat.get(chatId);
  }

  // ------------------------------------------------------------------ rendering a message
  const ENTITY_TAGS = {
    bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
    pre: "pre", spoiler: "span", blockquote: "blockquote", expandable_blockquote: "blockquote",
  };

  function entityNode(entity, text) {
    if (entity.type === "text_link" || entity.type === "url") {
      const href = entity.type === "url" ? text : entity.url;
      if (/^(https?:|tel:|mailto:)/i.test(href || "")) {
        return el("a", { href, target: "_blank", rel: "noopener noreferrer", text });
      }
    }
    return el(ENTITY_TAGS[entity.type] || "span", { text });
  }

  // Telegram entity offsets count UTF-16 code units, as JavaScript strings do.
  function richText(text, entities) {
    const fragment = document.createDocumentFragment();
    let position = 0;
    const outer = (entities || [])
      .slice()
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    for (const entity of outer) {
      if (entity.offset < position) continue; // nested: shown as its outer entity
      fragment.append(text.slice(position, entity.offset));
      const part = text.slice(entity.offset, entity.offset + entity.length);
      fragment.append(entityNode(entity, part));
      position = entity.offset + entity.length;
    }
    fragment.append(text.slice(position));
    return fragment;
  }

  function serviceText(message) {
    const service = message.service || {};
    if (service.new_chat_members) {
      const names = service.new_chat_members.map((u) => u.first_name).join(", ");
      return `${names} joined the group`;
    }
    if (service.left_chat_member) return `${service.left_chat_member.first_name} left the group`;
    return "Group update";
  }

  function keyboardNode(message, panel) {
    const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
    const under = (message.reply_markup && message.reply_markup.keyboard) || [];
    if (under.length) return replyKeyboardNode(message, under, panel);
    if (!rows.length) return null;
    const keyboard = el("div", { class: "keyboard", role: "group", "aria-label": "Buttons" });
    for (const row of rows) {
      const line = el("div", { class: "keyboard-row" });
      for (const button of row) {
        if (button.url) {
          line.append(el("a", {
            href: button.url, target: "_blank", rel: "noopener noreferrer", text: button.text,
          }));
          continue;
        }
        const node = el("button", { type: "button", text: button.text });
        if (button.callback_data === undefined) {
          node.disabled = true;
          node.title = "This kind of button is not available in the sandbox";
        } else {
          node.addEventListener("click", () => panel.press(message, button, node));
        }
        line.append(node);
      }
      keyboard.append(line);
    }
    return keyboard;
  }

  // A keyboard under the input field (Telegram's reply keyboard, e.g. the contact button):
  // a tap sends the button's text, or the patient's own contact for a contact button.
  function replyKeyboardNode(message, rows, panel) {
    const keyboard = el("div", {
      class: "keyboard reply-keyboard", role: "group", "aria-label": "Keyboard buttons",
    });
    for (const row of rows) {
      const line = el("div", { class: "keyboard-row" });
      for (const button of row) {
        const label = typeof button === "string" ? button : button.text;
        const node = el("button", { type: "button", text: label });
        node.addEventListener("click", () => panel.tap(label, node));
        line.append(node);
      }
      keyboard.append(line);
    }
    return keyboard;
  }

  function messageNode(message, panel) {
    if (message.kind === "service") {
      return el("li", { class: "msg service", "data-id": message.message_id },
        serviceText(message));
    }
    const mine = !message.by_bot && message.from_id === panel.actorId();
    const who = message.by_bot ? "from-bot" : mine ? "from-me" : "from-other";
    const item = el("li", { class: `msg ${who}`, "data-id": message.message_id });
    const bubble = el("div", { class: "bubble" });
    const speaker = message.by_bot ? "Stride" : mine ? "You" : message.from_name;
    if (panel.showSenders && !mine) {
      bubble.append(el("span", { class: "sender", text: speaker }));
    } else {
      bubble.append(el("span", { class: "visually-hidden", text: `${speaker}: ` }));
    }
    const media = message.photo || message.document || message.sticker;
    if (media && media.url) {
      const label = message.caption || (message.by_bot ? "A chart from Stride" : "An image");
      bubble.append(el("img", {
        src: media.url, alt: label, width: media.width || null, height: media.height || null,
      }));
    }
    if (message.text) bubble.append(richText(message.text, message.entities));
    if (message.caption) {
      bubble.append(el("div", { class: "caption", text: message.caption }));
    }
    if (!message.text && !message.caption && !(media && media.url)) {
      bubble.append(el("em", { text: `(${message.kind})` }));
    }
    item.append(bubble);
    const seconds = message.edit_date || message.date;
    const meta = el("span", { class: "meta" },
      el("time", {
        datetime: new Date(message.date * 1000).toISOString(),
        text: formatTime(message.date, panel.zone(), false),
      }));
    if (message.edited) meta.append(` · edited ${formatTime(seconds, panel.zone(), false)}`);
    item.append(meta);
    const keyboard = keyboardNode(message, panel);
    if (keyboard) item.append(keyboard);
    return item;
  }

  // ------------------------------------------------------------------ a chat panel
  class ChatPanel {
    constructor(section, options) {
      this.section = section;
      this.role = options.role;
      this.chatId = options.chatId;
      this.actorId = options.actorId;
      this.describe = options.describe;
      this.showSenders = Boolean(options.showSenders);
      this.zone = options.zone || (() => "UTC");
      this.emptyHint = options.emptyHint;
      const holder = section.querySelector("[data-chat]");
      holder.append(document.getElementById("chat-template").content.cloneNode(true));
      this.title = holder.querySelector(".chat-title");
      this.log = holder.querySelector(".log");
      this.typing = holder.querySelector(".typing");
      this.toast = holder.querySelector(".toast");
      this.replyKeyboard = holder.querySelector(".reply-keyboard");
      this.form = holder.querySelector(".composer");
      this.menu = holder.querySelector(".menu");
      this.menuList = holder.querySelector(".menu-list");
      this.input = this.form.querySelector("input");
      this.label = this.form.querySelector("label");
      this.input.id = `${this.role}-message`;
      this.label.htmlFor = this.input.id;
      this.menu.querySelector("summary").setAttribute("aria-label", "Command menu");
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.send(this.input.value);
      });
      this.menu.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          this.menu.open = false;
          this.menu.querySelector("summary").focus();
        }
      });
      this.typingTimer = null;
      this.toastTimer = null;
      // Follow new messages while the reader is at the end of the chat, not after they
      // scrolled up to read something earlier.
      this.following = true;
      this.log.addEventListener("scroll", () => {
        this.following = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 60;
      });
    }

    async show() {
      const chatId = this.chatId();
      const { title, label } = this.describe();
      this.title.textContent = title;
      this.log.setAttribute("aria-label", label);
      this.log.dataset.empty = this.emptyHint;
      this.label.textContent = `Message, ${label}`;
      this.input.placeholder = "Write a message or /command";
      this.log.replaceChildren();
      this.typing.hidden = true;
      if (!loadedChats.has(chatId)) await loadChat(chatId);
      this.renderAll();
      this.loadMenu();
    }

    renderAll() {
      const messages = [...chatStore(this.chatId()).values()]
        .filter((m) => !m.deleted)
        .sort((a, b) => a.message_id - b.message_id);
      this.log.replaceChildren(...messages.map((m) => messageNode(m, this)));
      this.updateReplyKeyboard();
      this.scrollToEnd(true);
    }

    upsert(message) {
      if (message.chat_id !== this.chatId()) return;
      const existing = this.log.querySelector(`li[data-id="${message.message_id}"]`);
      if (message.deleted) {
        if (existing) existing.remove();
        return;
      }
      const node = messageNode(message, this);
      if (existing) {
        existing.replaceWith(node);
      } else {
        const later = [...this.log.children].find(
          (child) => Number(child.dataset.id) > message.message_id);
        this.log.insertBefore(node, later || null);
      }
      if (message.by_bot) this.typing.hidden = true;
      this.updateReplyKeyboard();
      this.scrollToEnd(this.following || message.from_id === this.actorId());
    }

    remove(messageId) {
      const existing = this.log.querySelector(`li[data-id="${messageId}"]`);
      if (existing) existing.remove();
    }

    scrollToEnd(force) {
      if (!force) return;
      this.log.scrollTop = this.log.scrollHeight;
      this.following = true;
    }

    updateReplyKeyboard() {
      const messages = [...chatStore(this.chatId()).values()]
        .filter((m) => m.by_bot && m.reply_markup &&
          (m.reply_markup.keyboard || m.reply_markup.remove_keyboard))
        .sort((a, b) => a.message_id - b.message_id);
      const last = messages[messages.length - 1];
      const rows = last && last.reply_markup.keyboard;
      this.replyKeyboard.replaceChildren();
      this.replyKeyboard.hidden = !rows;
      if (!rows) return;
      for (const row of rows) {
        for (const button of row) {
          const text = typeof button === "string" ? button : button.text;
          const node = el("button", { type: "button", text });
          node.addEventListener("click", () => this.send(text));
          this.replyKeyboard.append(node);
        }
      }
    }

    showTyping() {
      this.typing.textContent = "Stride is typing…";
      this.typing.hidden = false;
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => { this.typing.hidden = true; }, 5000);
    }

    say(text, alert) {
      this.toast.textContent = text;
      this.toast.classList.toggle("alert", Boolean(alert));
      clearTimeout(this.toastTimer);
      this.toastTimer = setTimeout(() => { this.toast.textContent = ""; }, alert ? 9000 : 4000);
    }

    async send(raw) {
      const text = (raw || "").trim();
      if (!text) return;
      try {
        await api("/api/send", { chat_id: this.chatId(), from_id: this.actorId(), text });
        this.input.value = "";
      } catch (error) {
        this.say(`Not sent: ${error.message}`, true);
      }
    }

    async tap(label, node) {
      node.disabled = true;
      try {
        await api("/api/keyboard", { chat_id: this.chatId(), text: label });
      } catch (error) {
        this.say(`Button not pressed: ${error.message}`, true);
      } finally {
        node.disabled = false;
      }
    }

    async press(message, button, node) {
      node.disabled = true;
      try {
        const answer = await api("/api/press", {
          chat_id: message.chat_id,
          message_id: message.message_id,
          data: button.callback_data,
          from_id: this.actorId(),
        });
        pressedBy.set(answer.callback_query_id, this);
      } catch (error) {
        this.say(`Button not pressed: ${error.message}`, true);
      } finally {
        node.disabled = false;
      }
    }

    async loadMenu() {
      let commands = [];
      try {
        commands = (await api(`/api/commands?chat_id=${this.chatId()}`)).commands;
      } catch (error) {
        commands = [];
      }
      this.menuList.replaceChildren(...commands.map((command) => {
        const button = el("button", { type: "button" },
          el("span", { class: "command", text: `/${command.command}` }),
          el("span", { text: command.description }));
        button.addEventListener("click", () => {
          this.menu.open = false;
          this.send(`/${command.command}`);
          this.input.focus();
        });
        return el("li", {}, button);
      }));
      this.menu.hidden = commands.length === 0;
    }
  }

  async function loadChat(chatId) {
    const data = await api(`/api/chats/${chatId}/messages`);
    const messages = chatStore(chatId);
    messages.clear();
    for (const message of data.messages) messages.set(message.message_id, message);
    loadedChats.add(chatId);
  }

  // ------------------------------------------------------------------ the three phones
  const patientSelect = document.getElementById("patient-select");
  const groupSender = document.getElementById("group-sender");

  function currentPatient() {
    return Number(patientSelect.value);
  }

  const patientPanel = new ChatPanel(document.getElementById("patient-panel"), {
    role: "patient",
    chatId: currentPatient,
    actorId: currentPatient,
    zone: () => patientZone,
    emptyHint: "No messages yet. Type /start below to begin.",
    describe: () => {
      const name = personName(currentPatient());
      return {
        title: `Private chat: ${name} and Stride`,
        label: `${name} chatting with Stride`,
      };
    },
  });

  const supervisorPanel = new ChatPanel(document.getElementById("supervisor-panel"), {
    role: "supervisor",
    chatId: () => cast.supervisor.id,
    actorId: () => cast.supervisor.id,
    emptyHint: "Escalation alerts will appear here. Supervisor commands: /alerts, /resolve.",
    describe: () => ({
      title: "Escalation alerts arrive here; press Acknowledge, then resolve.",
      label: `${cast.supervisor.name} chatting with Stride`,
    }),
  });

  const groupPanel = new ChatPanel(document.getElementById("group-panel"), {
    role: "group",
    chatId: () => cast.group.id,
    actorId: () => Number(groupSender.value),
    showSenders: true,
    emptyHint: "No messages yet. Write to the group as one of the patients.",
    describe: () => ({
      title: `${cast.group.title}: ${cast.patients.map((p) => p.name).join(", ")} and Stride`,
      label: `${cast.group.title}, writing as ${personName(Number(groupSender.value))}`,
    }),
  });
  panels.push(patientPanel, supervisorPanel, groupPanel);

  function fillPeople(selectedPatient) {
    const keepSender = groupSender.value;
    const options = () => cast.patients.map((p) =>
      el("option", { value: p.id, text: `${p.name} (${p.language})` }));
    patientSelect.replaceChildren(...options());
    groupSender.replaceChildren(...options());
    if (selectedPatient) patientSelect.value = String(selectedPatient);
    if (keepSender) groupSender.value = keepSender;
  }

  function preferredPatient() {
    const saved = Number(localStorage.getItem("stride-sandbox-patient"));
    if (cast.patients.some((p) => p.id === saved)) return saved;
    const language = (navigator.language || "en").slice(0, 2);
    const match = cast.patients.find((p) => p.language === language);
    return (match || cast.patients[0]).id;
  }

  patientSelect.addEventListener("change", async () => {
    localStorage.setItem("stride-sandbox-patient", patientSelect.value);
    await refreshClock();
    await patientPanel.show();
  });
  groupSender.addEventListener("change", () => groupPanel.show());

  document.getElementById("add-patient-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const ref = form.elements.ref.value.trim();
    try {
      const data = await api(ref ? "/api/invites" : "/api/patients", {
        name: form.elements.name.value,
        language: form.elements.language.value,
        ref,
      });
      cast.patients.push(data.patient);
      fillPeople(data.patient.id);
      localStorage.setItem("stride-sandbox-patient", String(data.patient.id));
      form.reset();
      form.closest("details").open = false;
      await refreshClock();
      await patientPanel.show();
      await groupPanel.show();
      patientPanel.say(ref
        ? `${data.patient.name} opened the care team's invitation link for ${ref}.`
        : `${data.patient.name} was added. Type /start to begin.`);
      patientPanel.input.focus();
    } catch (error) {
      patientPanel.say(`Could not add the patient: ${error.message}`, true);
    }
  });

  // ------------------------------------------------------------------ the clock
  const clockNow = document.getElementById("clock-now");
  const clockLocal = document.getElementById("clock-local");
  const clockStatus = document.getElementById("clock-status");
  const clockButtons = [...document.querySelectorAll("[data-clock]")];
  const MOVES = {
    hour: "forward one hour", morning: "to the next morning", day: "forward one day",
    week: "forward one week",
  };

  function setClock(view) {
    clockOffsetMs = Date.parse(view.now) - Date.now();
    if (view.timezone) patientZone = view.timezone;
    if (view.nudges !== undefined) nudgesInstalled = view.nudges;
    drawClock();
  }

  function drawClock() {
    const now = new Date(Date.now() + clockOffsetMs);
    const seconds = now.getTime() / 1000;
    clockNow.dateTime = now.toISOString();
    clockNow.textContent = `${formatTime(seconds, "UTC", true)} UTC`;
    const name = personName(currentPatient());
    clockLocal.textContent = patientZone === "UTC"
      ? `(${name}'s timezone: UTC)`
      : `(${name}: ${formatTime(seconds, patientZone, true)}, ${patientZone})`;
  }

  async function refreshClock() {
    try {
      setClock(await api(`/api/clock?patient_id=${currentPatient()}`));
    } catch (error) {
      clockStatus.textContent = `Clock unavailable: ${error.message}`;
    }
  }

  for (const button of clockButtons) {
    button.addEventListener("click", async () => {
      clockButtons.forEach((b) => { b.disabled = true; });
      clockStatus.textContent = "Moving time forward…";
      try {
        const view = await api("/api/clock", {
          action: button.dataset.clock, patient_id: currentPatient(),
        });
        setClock(view);
        const when = `${formatTime(Date.parse(view.now) / 1000, "UTC", true)} UTC`;
        const note = nudgesInstalled ? "" : " (Nudges are not installed in this build.)";
        clockStatus.textContent = `Moved ${MOVES[button.dataset.clock]}: now ${when}.${note}`;
      } catch (error) {
        clockStatus.textContent = `The clock did not move: ${error.message}`;
      } finally {
        clockButtons.forEach((b) => { b.disabled = false; });
      }
    });
  }
  setInterval(drawClock, 10000);

  // ------------------------------------------------------------------ live updates
  function eachPanelFor(chatId, action) {
    for (const panel of panels) {
      if (panel.chatId() === chatId) action(panel);
    }
  }

  function onMessage(event) {
    const message = JSON.parse(event.data);
    chatStore(message.chat_id).set(message.message_id, message);
    eachPanelFor(message.chat_id, (panel) => panel.upsert(message));
  }

  function connect() {
    const source = new EventSource("/api/events");
    // Every (re)connection reloads the chats, so nothing sent while away is missed.
    source.addEventListener("open", () => {
      reloadAll().then(() => { document.body.dataset.ready = "true"; });
    });
    for (const kind of ["bot_message", "bot_edit", "user_message", "user_edit"]) {
      source.addEventListener(kind, onMessage);
    }
    source.addEventListener("bot_delete", (event) => {
      const data = JSON.parse(event.data);
      chatStore(data.chat_id).delete(data.message_id);
      eachPanelFor(data.chat_id, (panel) => panel.remove(data.message_id));
    });
    source.addEventListener("chat_action", (event) => {
      const data = JSON.parse(event.data);
      if (data.action === "typing") eachPanelFor(data.chat_id, (panel) => panel.showTyping());
    });
    source.addEventListener("callback_answer", (event) => {
      const data = JSON.parse(event.data);
      const panel = pressedBy.get(data.callback_query_id);
      pressedBy.delete(data.callback_query_id);
      if (panel && data.text) panel.say(data.text, data.show_alert);
    });
    source.addEventListener("commands", () => panels.forEach((panel) => panel.loadMenu()));
    source.addEventListener("clock", (event) => {
      const data = JSON.parse(event.data);
      clockOffsetMs = Date.parse(data.now) - Date.now();
      drawClock();
    });
    source.addEventListener("patients", (event) => {
      const data = JSON.parse(event.data);
      cast.patients = data.patients;
      fillPeople(currentPatient());
    });
  }

  async function reloadAll() {
    loadedChats.clear();
    await Promise.all(panels.map((panel) => panel.show()));
  }

  // ------------------------------------------------------------------ start
  async function start() {
    const data = await api("/api/state");
    cast.patients = data.patients;
    cast.supervisor = data.supervisor;
    cast.group = data.group;
    document.getElementById("database-file").textContent = data.database;
    document.getElementById("supervisor-name").textContent =
      `${data.supervisor.name} (care team)`;
    fillPeople(preferredPatient());
    groupSender.value = patientSelect.value;
    setClock(data.clock);
    await refreshClock();
    connect();
  }

  start().catch((error) => {
    clockStatus.textContent = `The sandbox did not load: ${error.message}`;
  });
})();
