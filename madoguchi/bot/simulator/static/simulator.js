// LINE simulator page. Everything a resident or the bot wrote is put in the page with textContent,
// never as HTML: the bot may echo what a resident typed.
"use strict";

(function () {
  const API = "/simulator/api";
  const POLL_MS = 700;
  const COLOR = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;
  const sim = { residents: [], current: null, lastSeq: 0, entries: [], polling: false };

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

  async function api(method, path, body) {
    const response = await fetch(API + path, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || "エラー（" + response.status + "）");
    return data;
  }

  function notice(text) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function reportDelivery(result) {
    if (result && result.status !== 200) {
      notice("Webhookの送信に失敗しました（" + (result.status || result.error || "接続できません") + "）");
    } else {
      notice("");
    }
  }

  // --- residents -------------------------------------------------------------------------------

  async function loadResidents() {
    sim.residents = (await api("GET", "/residents")).items;
    renderResidents();
  }

  function currentResident() {
    return sim.residents.find((r) => r.userId === sim.current) || null;
  }

  function renderResidents() {
    const list = $("resident-list");
    list.replaceChildren();
    for (const resident of sim.residents) {
      const item = el("li");
      const button = el("button", null, resident.name);
      button.type = "button";
      button.dataset.userId = resident.userId;
      button.setAttribute("aria-current", String(resident.userId === sim.current));
      if (!resident.following) button.append(el("span", "blocked", "ブロック中"));
      button.addEventListener("click", () => selectResident(resident.userId));
      item.append(button);
      list.append(item);
    }
    const resident = currentResident();
    $("current-name").textContent = resident ? resident.name : "住民を選んでください";
    const toggle = $("follow-toggle");
    toggle.disabled = !resident;
    toggle.textContent = resident && !resident.following ? "ブロック解除" : "ブロック";
    const canSend = Boolean(resident && resident.following);
    for (const id of ["message-input", "send-button", "send-sticker"]) $(id).disabled = !canSend;
  }

  function selectResident(userId) {
    sim.current = userId;
    sim.lastSeq = 0;
    sim.entries = [];
    $("chat").replaceChildren();
    renderQuickReplies();
    renderResidents();
    poll();
  }

  async function addResident() {
    const result = await api("POST", "/residents", { follow: true });
    reportDelivery(result.delivery);
    await loadResidents();
    selectResident(result.userId);
  }

  async function toggleFollow() {
    const resident = currentResident();
    if (!resident) return;
    const action = resident.following ? "unfollow" : "follow";
    reportDelivery(await api("POST", "/residents/" + resident.userId + "/" + action));
    await loadResidents();
  }

  // --- sending -----------------------------------------------------------------------------------

  async function send(kind, body) {
    if (!sim.current) return;
    try {
      reportDelivery(await api("POST", "/residents/" + sim.current + "/" + kind, body));
    } catch (error) {
      notice(error.message);
    }
    poll();
  }

  function sendText(text) {
    if (text && text.trim()) return send("text", { text });
  }

  function doAction(action) {
    if (!action) return;
    switch (action.type) {
      case "message":
        return sendText(action.text);
      case "postback":
        return send("postback", { data: action.data, displayText: action.displayText || null });
      case "uri": {
        const uri = String(action.uri || "");
        if (uri.startsWith("tel:")) {
          notice("電話をかけます: " + uri.slice(4) + "（シミュレーターでは発信しません）");
        } else if (/^https?:\/\//.test(uri)) {
          window.open(uri, "_blank", "noopener");
        } else {
          notice("リンク: " + uri);
        }
        return;
      }
      default:
        notice("「" + action.type + "」の操作はシミュレーターでは未対応です");
    }
  }

  function actionButton(action, className, fallback) {
    const button = el("button", className, (action && action.label) || fallback || "（ラベルなし）");
    button.type = "button";
    button.addEventListener("click", () => doAction(action));
    return button;
  }

  // --- rendering LINE messages ---------------------------------------------------------------

  function renderFlexComponent(c) {
    if (!c || typeof c !== "object") return el("div");
    switch (c.type) {
      case "box": {
        const box = el("div", "flex-box " + (c.layout || "vertical"));
        if (COLOR.test(c.backgroundColor || "")) box.style.backgroundColor = c.backgroundColor;
        for (const child of c.contents || []) box.append(renderFlexComponent(child));
        if (c.action) {
          box.style.cursor = "pointer";
          box.addEventListener("click", () => doAction(c.action));
        }
        return box;
      }
      case "text": {
        const classes = ["flex-text"];
        if (c.weight === "bold") classes.push("bold");
        if (c.size) classes.push("size-" + c.size);
        const node = el("div", classes.join(" "));
        if (Array.isArray(c.contents) && c.contents.length) {
          for (const span of c.contents) node.append(el("span", span.weight === "bold" ? "bold" : null, span.text));
        } else {
          node.textContent = c.text || "";
        }
        if (COLOR.test(c.color || "")) node.style.color = c.color;
        if (c.flex !== undefined) node.style.flex = String(Number(c.flex) || 0);
        if (c.action) node.addEventListener("click", () => doAction(c.action));
        return node;
      }
      case "button":
        return actionButton(c.action, "flex-button " + (c.style || "link"));
      case "separator":
        return el("hr", "flex-separator");
      case "image":
      case "video":
        return el("div", "flex-image", "［画像］");
      case "icon":
        return el("span", "flex-icon", "◆");
      case "filler":
        return el("div", "flex-filler");
      case "span":
        return el("span", null, c.text);
      default:
        return el("div", null, "［未対応の部品: " + c.type + "］");
    }
  }

  function renderBubble(bubble) {
    const card = el("div", "flex-bubble");
    for (const part of ["header", "hero", "body", "footer"]) {
      if (!bubble[part]) continue;
      const block = el("div", "flex-block flex-" + part);
      block.append(renderFlexComponent(bubble[part]));
      card.append(block);
    }
    if (bubble.action) card.addEventListener("click", () => doAction(bubble.action));
    return card;
  }

  function renderFlex(container) {
    if (container.type === "carousel") {
      const row = el("div", "flex-carousel");
      for (const bubble of container.contents || []) row.append(renderBubble(bubble));
      return row;
    }
    return renderBubble(container);
  }

  function renderTemplate(template) {
    const box = el("div", "template");
    const columns = template.type === "carousel" ? template.columns || [] : [template];
    for (const column of columns) {
      if (column.title) box.append(el("div", "flex-text bold", column.title));
      if (column.text) box.append(el("div", "flex-text", column.text));
      for (const action of column.actions || []) box.append(actionButton(action, "template-button"));
    }
    return box;
  }

  function renderMessage(message) {
    switch (message.type) {
      case "text":
        return el("div", "bubble", message.text);
      case "sticker":
        return el("div", "bubble sticker", "☺");
      case "flex":
        return renderFlex(message.contents || {});
      case "template":
        return renderTemplate(message.template || {});
      case "image":
        return el("div", "bubble flex-image", "［画像］");
      default:
        return el("div", "bubble", "［" + message.type + " メッセージ］");
    }
  }

  function renderEntry(entry) {
    const item = el("li", entry.sender);
    item.dataset.seq = entry.seq;
    const body = renderMessage(entry.message || {});
    body.classList.add("message");
    body.dataset.sender = entry.sender;
    const time = el("span", "meta", new Date(entry.at * 1000).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit" }));
    if (entry.sender === "resident") item.append(time, body);
    else item.append(body, time);
    return item;
  }

  function renderQuickReplies() {
    const bar = $("quick-replies");
    bar.replaceChildren();
    const last = sim.entries[sim.entries.length - 1];
    // As in LINE: only the newest message's quick reply shows, and only until the resident answers.
    const items = last && last.sender === "bot" && last.message.quickReply ? last.message.quickReply.items || [] : [];
    for (const item of items) bar.append(actionButton(item.action, "quick-reply"));
    bar.hidden = items.length === 0;
  }

  // --- polling ---------------------------------------------------------------------------------

  async function poll() {
    if (!sim.current || sim.polling) return;
    sim.polling = true;
    const userId = sim.current;
    try {
      const data = await api("GET", "/residents/" + userId + "/messages?after=" + sim.lastSeq);
      if (userId !== sim.current) return;
      if (data.items.length) {
        const chat = $("chat");
        for (const entry of data.items) {
          sim.entries.push(entry);
          sim.lastSeq = Math.max(sim.lastSeq, entry.seq);
          chat.append(renderEntry(entry));
        }
        chat.scrollTop = chat.scrollHeight;
        renderQuickReplies();
      }
    } catch (error) {
      notice(error.message);
    } finally {
      sim.polling = false;
    }
  }

  async function loadRichMenu() {
    const data = await api("GET", "/richmenu");
    const box = $("rich-menu");
    const menu = data.richMenu;
    box.hidden = !menu;
    if (!menu) return;
    $("rich-menu-bar").textContent = menu.chatBarText || "メニュー";
    const areas = $("rich-menu-areas");
    areas.replaceChildren();
    const size = menu.size || { width: 2500, height: 843 };
    areas.style.aspectRatio = size.width + " / " + size.height;
    if (data.hasImage) areas.style.backgroundImage = "url(" + API + "/richmenu/image?id=" + encodeURIComponent(menu.richMenuId) + ")";
    for (const area of menu.areas || []) {
      const b = area.bounds;
      const button = actionButton(area.action, "rich-menu-area", area.action && (area.action.label || area.action.text));
      button.style.left = (100 * b.x) / size.width + "%";
      button.style.top = (100 * b.y) / size.height + "%";
      button.style.width = (100 * b.width) / size.width + "%";
      button.style.height = (100 * b.height) / size.height + "%";
      areas.append(button);
    }
  }

  // --- wiring ----------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", async () => {
    $("add-resident").addEventListener("click", () => addResident().catch((e) => notice(e.message)));
    $("follow-toggle").addEventListener("click", () => toggleFollow().catch((e) => notice(e.message)));
    $("send-sticker").addEventListener("click", () => send("sticker", {}));
    $("composer").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("message-input");
      const text = input.value;
      input.value = "";
      sendText(text);
    });
    $("message-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("composer").requestSubmit();
      }
    });
    try {
      await loadResidents();
      if (sim.residents.length) selectResident(sim.residents[0].userId);
      await loadRichMenu();
    } catch (error) {
      notice(error.message);
    }
    setInterval(poll, POLL_MS);
    setInterval(() => loadRichMenu().catch(() => {}), 10000);
  });
})();
