// The rocketsim console: plain JS over the admin API on the same origin (docs/admin-api.md).
// Calls a server does not serve (the proxy has no topics, clients, groups or messages) answer
// 404, and their sections say so instead of failing the page.
"use strict";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k ?? "")));
  return e;
};
const svgEl = (tag, attrs = {}, text) => {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

class NotServed extends Error {}

// The admin API's token (`sim serve -admin-token`): taken from the URL's fragment
// (http://HOST:PORT/#token=T; a fragment never leaves the browser) or typed into the form the
// page shows when a call answers 401, and kept in sessionStorage, so that it lasts as long as
// the tab and no longer. It goes on every call as "Authorization: Bearer T", the event stream
// included (which is why the stream is read with fetch rather than EventSource: EventSource
// cannot set a header, and a token in the URL would end up in logs and proxies).
const tokenKey = "rocketsim-admin-token";

function takeTokenFromFragment() {
  const m = /^#(?:.*&)?token=([^&]*)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(tokenKey, decodeURIComponent(m[1]));
  // Out of the address bar, so that the token is not shared with a copied link or a screenshot.
  history.replaceState(null, "", location.pathname + location.search);
}

function authHeaders(headers) {
  const token = sessionStorage.getItem(tokenKey);
  return token ? { ...headers, "Authorization": "Bearer " + token } : headers;
}

// needToken shows the token form with why the last call was refused, and resolves once a
// token is given; every call refused meanwhile waits on it and is made again.
let tokenWaiters = [];
function needToken(why) {
  $("#token-why").textContent = why;
  $("#token-form").hidden = false;
  document.body.dataset.auth = "needed";
  return new Promise((resolve) => tokenWaiters.push(resolve));
}

function useToken(ev) {
  ev.preventDefault();
  sessionStorage.setItem(tokenKey, $("#token-input").value.trim());
  $("#token-input").value = "";
  $("#token-form").hidden = true;
  delete document.body.dataset.auth;
  const waiting = tokenWaiters;
  tokenWaiters = [];
  waiting.forEach((resolve) => resolve());
}

async function api(method, path, body) {
  const resp = await fetch(path, {
    method, headers: authHeaders({ "Accept": "application/json", "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (resp.status === 204) return null;
  const data = await resp.json();
  if (resp.status === 401) {
    await needToken(data.error || "the admin API needs a token");
    return api(method, path, body);
  }
  if (resp.status === 404 && /^no such call/.test(data.error || "")) throw new NotServed(path);
  if (!resp.ok) throw new Error(data.error || resp.statusText);
  return data;
}

function fill(table, rows) {
  const tbody = $(table + " tbody");
  tbody.replaceChildren(...rows);
}

function notServed(table, cols, what) {
  fill(table, [el("tr", {}, el("td", { colspan: cols, class: "muted" }, what + " is not served here (the proxy has only cluster, faults, history and events)"))]);
}

let cluster = { namesrv: { name: "namesrv" }, brokers: [] };

async function loadCluster() {
  cluster = await api("GET", "/v1/cluster");
  $("#cluster-name").textContent = cluster.cluster ? "cluster " + cluster.cluster : "";
  const rows = [cluster.namesrv, ...cluster.brokers].map((s) => {
    const isBroker = s.name !== "namesrv";
    const action = isBroker ? el("button", { type: "button", onclick: () => brokerAction(s.name, s.online ? "stop" : "start") }, s.online ? "crash" : "start") : "";
    return el("tr", { "data-server": s.name }, el("td", {}, s.name), el("td", {}, s.addr),
      el("td", { class: s.online ? "on" : "off" }, s.online ? "online" : "offline"),
      el("td", {}, s.registered === undefined ? "" : s.registered ? "yes" : "no"), el("td", {}, action));
  });
  fill("#cluster", rows);
  const target = $("#fault-target");
  const chosen = target.value;
  target.replaceChildren(...["namesrv", ...cluster.brokers.map((b) => b.name)].map((n) => el("option", {}, n)));
  if (chosen) target.value = chosen;
}

async function brokerAction(name, action) {
  try { await api("POST", `/v1/brokers/${encodeURIComponent(name)}/${action}`); } catch (e) { alert(e.message); }
  loadCluster();
}

async function loadFaults() {
  const { faults } = await api("GET", "/v1/faults");
  fill("#faults", faults.map((f) => el("tr", {}, el("td", {}, f.target), el("td", {}, f.code ?? "any"), el("td", {}, f.action),
    el("td", {}, [f.responseCode, f.remark, f.delayMs ? f.delayMs + " ms" : ""].filter((x) => x !== undefined && x !== "").join(" ")),
    el("td", {}, f.times || "until cleared"), el("td", { class: "num hits" }, f.hits))));
}

async function addFault(ev) {
  ev.preventDefault();
  const rule = { target: $("#fault-target").value, action: $("#fault-action").value };
  for (const [id, key] of [["#fault-code", "code"], ["#fault-response", "responseCode"], ["#fault-delay", "delayMs"], ["#fault-times", "times"]]) {
    const v = $(id).value;
    if (v !== "") rule[key] = Number(v);
  }
  for (const [id, key] of [["#fault-remark", "remark"], ["#fault-topic", "topic"]]) {
    if ($(id).value) rule[key] = $(id).value;
  }
  if (rule.action !== "error" && rule.action !== "override") delete rule.responseCode;
  try {
    await api("POST", "/v1/faults", rule);
    $("#fault-error").textContent = "";
  } catch (e) {
    $("#fault-error").textContent = e.message;
  }
  loadFaults();
}

let topics = [];

async function loadTopics() {
  try {
    topics = (await api("GET", "/v1/topics")).topics;
  } catch (e) {
    if (e instanceof NotServed) return notServed("#topics", 5, "Topics");
    throw e;
  }
  const showSystem = $("#show-system").checked;
  const rows = [];
  for (const t of topics.filter((t) => showSystem || !t.system)) {
    for (const b of t.brokers) {
      rows.push(el("tr", {}, el("td", {}, t.topic), el("td", {}, b.broker), el("td", { class: "num" }, b.readQueues + "/" + b.writeQueues),
        el("td", {}, ({ 2: "R", 4: "W", 6: "RW" })[b.perm] || b.perm), el("td", {}, b.order ? "yes" : "")));
    }
  }
  fill("#topics", rows);
  const sel = $("#msg-topic");
  const chosen = sel.value;
  sel.replaceChildren(...topics.filter((t) => !t.system).map((t) => el("option", {}, t.topic)));
  if (chosen) sel.value = chosen;
}

let consumerGroups = new Set();

async function loadClients() {
  let clients;
  try {
    clients = (await api("GET", "/v1/clients")).clients;
  } catch (e) {
    if (e instanceof NotServed) return notServed("#clients", 5, "Clients");
    throw e;
  }
  consumerGroups = new Set(clients.flatMap((c) => c.consumerGroups));
  fill("#clients", clients.map((c) => el("tr", {}, el("td", {}, c.clientId), el("td", {}, c.broker), el("td", {}, c.producerGroups.join(", ")),
    el("td", {}, c.consumerGroups.join(", ")), el("td", {}, new Date(c.lastHeartbeat).toLocaleTimeString()))));
}

async function loadGroups() {
  let configs;
  try {
    configs = (await api("GET", "/v1/groups")).groups;
  } catch (e) {
    if (e instanceof NotServed) return notServed("#groups", 8, "Consumer groups");
    throw e;
  }
  // The groups a 4.9.7 broker starts with have no consumers; show those with clients or configs of our own.
  const builtIn = /^(TOOLS_CONSUMER|FILTERSRV_CONSUMER|SELF_TEST_C_GROUP|CID_ONS-HTTP-PROXY|CID_ONSAPI_PERMISSION|CID_ONSAPI_OWNER|CID_ONSAPI_PULL|CID_RMQ_SYS_TRANS|CID_SYS_RMQ_TRANS)$/;
  const names = new Set([...consumerGroups, ...configs.map((g) => g.groupName).filter((n) => !builtIn.test(n))]);
  const rows = [];
  for (const name of [...names].sort()) {
    let p;
    try { p = await api("GET", "/v1/groups/" + encodeURIComponent(name)); } catch { continue; }
    const head = el("td", { rowspan: Math.max(p.queues.length, 1) }, name, el("br"), el("span", { class: "muted" }, "lag " + p.lag));
    const consumers = el("td", { rowspan: Math.max(p.queues.length, 1) }, p.consumers.join(", ") || "none online");
    if (p.queues.length === 0) rows.push(el("tr", {}, head, consumers, el("td", { colspan: 6, class: "muted" }, "no offsets yet")));
    p.queues.forEach((q, i) => {
      const cells = [el("td", {}, q.broker), el("td", {}, q.topic), el("td", { class: "num" }, q.queueId), el("td", { class: "num" }, q.brokerOffset),
        el("td", { class: "num" }, q.consumerOffset < 0 ? "none" : q.consumerOffset), el("td", { class: "num" }, q.lag)];
      rows.push(el("tr", {}, ...(i === 0 ? [head, consumers] : []), ...cells));
    });
  }
  fill("#groups", rows);
}

function bodyBytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function showBody(b64, format) {
  const bytes = bodyBytes(b64);
  if (format === "hex") return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}

let nextOffset = 0;

async function browseMessages(ev, fromNext) {
  if (ev) ev.preventDefault();
  const params = new URLSearchParams({ topic: $("#msg-topic").value, offset: fromNext ? nextOffset : $("#msg-offset").value, limit: $("#msg-limit").value });
  if ($("#msg-queue").value !== "") params.set("queue", $("#msg-queue").value);
  let page;
  try {
    page = await api("GET", "/v1/messages?" + params);
  } catch (e) {
    if (e instanceof NotServed) return notServed("#messages", 7, "Browsing messages");
    return fill("#messages", [el("tr", {}, el("td", { colspan: 7, class: "error" }, e.message))]);
  }
  nextOffset = page.nextOffset;
  if (fromNext) $("#msg-offset").value = params.get("offset");
  const format = $("#msg-format").value;
  fill("#messages", page.messages.map((m) => el("tr", {}, el("td", {}, m.broker), el("td", { class: "num" }, m.queueId), el("td", { class: "num" }, m.queueOffset),
    el("td", {}, el("pre", {}, m.msgId)), el("td", {}, [m.tags, ...m.keys].filter(Boolean).join(" / ")),
    el("td", {}, el("pre", {}, Object.entries(m.properties).map(([k, v]) => k + "=" + v).join("\n"))),
    el("td", {}, el("pre", { class: "body" }, showBody(m.body, format))))));
}

// The timeline: one column per client host, the name server and each broker; one row per
// request (an arrow from its client to the server) or event (fault changes, broker actions).
const timeline = { rows: [], max: 200, pending: false };

function columnsOf(rows) {
  const clients = [];
  for (const r of rows) {
    if (r.request) {
      const host = "client " + r.request.peer.replace(/:\d+$/, "");
      if (!clients.includes(host)) clients.push(host);
    }
  }
  if (clients.length === 0) clients.push("client");
  const servers = ["namesrv", ...cluster.brokers.map((b) => b.name)];
  for (const r of rows) if (r.request && !servers.includes(r.request.target)) servers.push(r.request.target);
  return [...clients, ...servers];
}

function describe(req) {
  const name = (req.codeName || "code") + " (" + req.code + ")";
  let answer = req.oneway ? "oneway" : req.answered ? "→ " + req.responseCode + (req.remark ? " " + req.remark : "") : "→ no answer";
  if (req.fault) answer += " [fault: " + req.fault + "]";
  const ms = (req.latencyMicros / 1000).toFixed(req.latencyMicros < 10000 ? 2 : 0) + " ms";
  return { name, answer, ms, failed: !!req.fault || (req.answered && req.responseCode !== 0) };
}

function drawTimeline() {
  timeline.pending = false;
  const svg = $("#timeline"), headSvg = $("#timeline-head");
  const cols = columnsOf(timeline.rows);
  const colW = 190, rowH = 34, top = 30, left = 20;
  // The lifelines' names are an SVG of their own above the requests', made sticky by the
  // style sheet, so that they stay in view when the timeline box scrolls.
  const width = left * 2 + colW * cols.length, height = rowH * (timeline.rows.length + 1);
  headSvg.setAttribute("width", width);
  headSvg.setAttribute("height", top);
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  const x = (name) => left + colW * cols.indexOf(name) + colW / 2;
  const heads = [];
  const kids = [];
  for (const c of cols) {
    heads.push(svgEl("text", { x: x(c), y: 16, "text-anchor": "middle", class: "head" }, c));
    heads.push(svgEl("line", { x1: x(c), y1: 22, x2: x(c), y2: top, class: "lifeline" }));
    kids.push(svgEl("line", { x1: x(c), y1: 0, x2: x(c), y2: height, class: "lifeline" }));
  }
  headSvg.replaceChildren(...heads);
  timeline.rows.forEach((r, i) => {
    const y = rowH * i + 22;
    if (r.request) {
      const d = describe(r.request);
      const from = x("client " + r.request.peer.replace(/:\d+$/, "")), to = x(r.request.target);
      const g = svgEl("g", { class: "arrow" + (d.failed ? " failed" : ""), "data-code": r.request.code, "data-target": r.request.target, "data-seq": r.request.seq });
      const dir = to > from ? -1 : 1;
      g.append(svgEl("line", { x1: from, y1: y, x2: to, y2: y }));
      g.append(svgEl("polygon", { points: `${to},${y} ${to + 7 * dir},${y - 4} ${to + 7 * dir},${y + 4}`, fill: d.failed ? "#b3261e" : "#3a6ea5" }));
      const mid = (from + to) / 2;
      g.append(svgEl("text", { x: mid, y: y - 5, "text-anchor": "middle" }, d.name + " " + d.answer));
      g.append(svgEl("text", { x: mid, y: y + 12, "text-anchor": "middle", class: "muted" }, d.ms + " · " + new Date(r.request.time).toLocaleTimeString()));
      g.append(svgEl("title", {}, JSON.stringify(r.request.extFields)));
      kids.push(g);
    } else if (r.mark) {
      // A mark spans every lifeline: the instant a plan step (or a test) marked, between the
      // requests before and after it.
      const g = svgEl("g", { class: "mark", "data-label": r.mark.label, "data-seq": r.mark.seq });
      g.append(svgEl("line", { x1: left / 2, y1: y, x2: width - left / 2, y2: y }));
      const label = "⚑ " + r.mark.label + " · " + new Date(r.mark.time).toLocaleTimeString();
      g.append(svgEl("rect", { x: left, y: y - 16, width: Math.min(width - 2 * left, 7 * label.length + 12), height: 14, rx: 3 }));
      g.append(svgEl("text", { x: left + 6, y: y - 5 }, label));
      kids.push(g);
    } else {
      const g = svgEl("g", { class: "event" });
      g.append(svgEl("text", { x: left, y: y + 4 }, r.text));
      kids.push(g);
    }
  });
  svg.replaceChildren(...kids);
  const wrap = $("#timeline-wrap");
  wrap.scrollTop = wrap.scrollHeight;
}

function pushRow(row) {
  timeline.rows.push(row);
  if (timeline.rows.length > timeline.max) timeline.rows.splice(0, timeline.rows.length - timeline.max);
  if (!timeline.pending) {
    timeline.pending = true;
    requestAnimationFrame(drawTimeline);
  }
}

// The event stream (GET /v1/events), read with fetch so that it carries the token (above) and
// parsed as EventSource would; when it ends it is opened again after a pause, as EventSource
// does, and the requests it replays that are already drawn are skipped (seen).
const seen = {}; // target -> the highest request seq drawn
let seenMark = 0; // the highest mark seq drawn

// HEART_BEAT and UNREGISTER_CLIENT change who is connected and in which groups, and
// UPDATE_CONSUMER_OFFSET a group's lag: the tables of clients and groups are read again after
// them, once for a burst.
const clientCodes = new Set([34, 35, 15]);
let clientsReload = null;
function reloadClientsSoon() {
  if (clientsReload) return;
  clientsReload = setTimeout(() => {
    clientsReload = null;
    loadClients().then(loadGroups).catch(() => {});
  }, 250);
}

const handlers = {
  request: (ev) => {
    const r = ev.request;
    if (r.seq <= (seen[r.target] || 0)) return;
    seen[r.target] = r.seq;
    pushRow({ request: r });
    if (clientCodes.has(r.code)) reloadClientsSoon();
  },
  fault: (ev) => {
    const f = ev.fault;
    if (f.kind === "hit") { loadFaults(); return; }
    pushRow({ text: f.kind === "cleared" ? `faults cleared on ${f.target}` : `fault ${f.kind} on ${f.target}: code ${f.rule.code ?? "any"} ${f.rule.action}` });
    loadFaults();
  },
  mark: (ev) => {
    const m = ev.mark;
    if (m.seq <= seenMark) return; // replayed after a reconnect: already drawn
    seenMark = m.seq;
    pushRow({ mark: m });
  },
  broker: (ev) => {
    const b = ev.broker;
    pushRow({ text: `${b.name} ${b.state}` });
    loadCluster();
  },
};

function dispatch(block) {
  let type = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue; // a comment
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }
  if (data.length > 0 && handlers[type]) handlers[type](JSON.parse(data.join("\n")));
}

function streamState(text, live) {
  $("#stream-state").textContent = text;
  if (live) document.body.dataset.stream = "live"; else delete document.body.dataset.stream;
}

const reconnectPause = 2000;

async function connectEvents() {
  for (;;) {
    try {
      const resp = await fetch("/v1/events?limit=50", { headers: authHeaders({ "Accept": "text/event-stream" }) });
      if (resp.status === 401) {
        await needToken((await resp.json()).error || "the admin API needs a token");
        continue;
      }
      if (!resp.ok) throw new Error(resp.status + " " + resp.statusText);
      streamState("live", true);
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          dispatch(buf.slice(0, end));
          buf = buf.slice(end + 2);
        }
      }
    } catch (e) {
      streamState("reconnecting… (" + e.message + ")", false);
    }
    streamState("reconnecting…", false);
    await new Promise((resolve) => setTimeout(resolve, reconnectPause));
  }
}

async function refresh() {
  await loadCluster();
  await Promise.all([loadFaults(), loadTopics(), loadClients().then(loadGroups)]);
}

takeTokenFromFragment();
$("#token-form").addEventListener("submit", useToken);
$("#fault-form").addEventListener("submit", addFault);
$("#fault-clear").addEventListener("click", async () => { await api("DELETE", "/v1/faults"); loadFaults(); });
$("#refresh").addEventListener("click", refresh);
$("#show-system").addEventListener("change", loadTopics);
$("#messages-form").addEventListener("submit", (e) => browseMessages(e, false));
$("#msg-next").addEventListener("click", () => browseMessages(null, true));
refresh().then(connectEvents, (e) => { $("#stream-state").textContent = "error: " + e.message; connectEvents(); });
