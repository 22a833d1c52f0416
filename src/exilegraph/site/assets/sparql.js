// The query page: pick a catalogue query, fill its parameters, run it on the endpoint, show and download.
// Parameters are bound as the toolkit binds them (src/exilegraph/catalogue.py): one `VALUES ?name { term }`
// per parameter at the top of the WHERE group and of each sub-select that projects ?name, the term built
// from the parameter's name and value. A listing in pages gets OFFSET after its keys' LIMIT (querytext.py).
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("catalogue").textContent);
  const $ = (id) => document.getElementById(id);
  const XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer";
  const COUNTRY_PARAMS = new Set(["state", "host", "country", "citizenship"]);
  const NODE_PARAMS = { case: "case", person: "person", organisation: "organisation", organization: "organisation" };
  const DATE_PARAMS = new Set(["since", "until"]);
  const TOKENS = new RegExp([
    "(?<comment>#[^\\n]*)",
    "(?<string>\"\"\"(?:[^\"\\\\]|\\\\[\\s\\S]|\"(?!\"\"))*\"\"\"|'''(?:[^'\\\\]|\\\\[\\s\\S]|'(?!''))*'''" +
      "|\"(?:[^\"\\\\\\n]|\\\\[\\s\\S])*\"|'(?:[^'\\\\\\n]|\\\\[\\s\\S])*')",
    "(?<iri><[^<>\"{}|^`\\\\\\x00-\\x20]*>)",
    "(?<variable>[?$][A-Za-z0-9_]+)",
    "(?<word>[A-Za-z_][\\w.-]*(?::[\\w.%-]*)?|:[\\w.%-]*)",
    "(?<open>\\{)",
    "(?<close>\\})",
    "(?<other>\\S)",
  ].join("|"), "g");
  let lastResult = null;

  class QueryError extends Error {}

  function tokens(text) {
    const out = [];
    for (const m of text.matchAll(TOKENS)) {
      const kind = Object.keys(m.groups).find((k) => m.groups[k] !== undefined);
      out.push({ kind: kind, text: m[0], start: m.index });
    }
    return out;
  }

  function iriTerm(name, value) {
    if (/[\x00-\x20<>"{}|^`\\]/.test(value) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
      throw new QueryError(`parameter ${name}: '${value}' is not a valid IRI`);
    }
    return `<${value}>`;
  }

  function literal(value, datatype) {
    const text = value.replace(/[\\"\n\r]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r" })[c]);
    return datatype ? `"${text}"^^<${datatype}>` : `"${text}"`;
  }

  function countryTerm(name, value) {
    if (value.startsWith("wd:")) return iriTerm(name, config.prefixes.wd + value.slice(3));
    const byCode = config.countries.codes[value.toUpperCase()];
    if (byCode) return `<${byCode}>`;
    const byTitle = config.countries.titles[value.toLowerCase()];
    if (byTitle) return `<${byTitle}>`;
    throw new QueryError(`parameter ${name}: unknown country '${value}'; give an ISO 3166 code such as KZ`);
  }

  function paramTerm(name, raw) {
    const value = raw.trim();
    if (!value) throw new QueryError(`parameter ${name} is empty`);
    if (value.startsWith("<") && value.endsWith(">")) return iriTerm(name, value.slice(1, -1));
    if (/^https?:\/\//.test(value)) return iriTerm(name, value);
    if (COUNTRY_PARAMS.has(name) || name.endsWith("_state")) return countryTerm(name, value);
    if (NODE_PARAMS[name]) {
      const encoded = value.replace(/[\x00-\x20<>"{}|^`\\]/g, (c) =>
        "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
      return iriTerm(name, `${config.base}${NODE_PARAMS[name]}/${encoded}`);
    }
    if (DATE_PARAMS.has(name)) {
      if (!/^\d{4}(-\d{2}(-\d{2})?)?$/.test(value)) {
        throw new QueryError(`parameter ${name}: '${value}' is not a date; write YYYY, YYYY-MM or YYYY-MM-DD`);
      }
      return literal(value);
    }
    const colon = value.indexOf(":");
    if (colon > 0 && !value.includes(" ") && config.prefixes[value.slice(0, colon)] !== undefined) {
      return iriTerm(name, config.prefixes[value.slice(0, colon)] + value.slice(colon + 1));
    }
    if (/^-?\d+$/.test(value)) return literal(value, XSD_INTEGER);
    return literal(value);
  }

  // Offsets of the braces of the WHERE group, and of the WHERE of a `CONSTRUCT WHERE {}` (catalogue.py)
  function whereGroup(text) {
    let depth = 0, form = null, seenWhere = false, start = null, shortConstruct = null;
    const groups = [];
    for (const t of tokens(text)) {
      if (t.kind === "word" && depth === 0) {
        const word = t.text.toUpperCase();
        if (form === null && ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"].includes(word)) form = word;
        else if (form && word === "WHERE") {
          seenWhere = true;
          shortConstruct = form === "CONSTRUCT" && groups.length === 0 ? t.start : null;
        }
      } else if (t.kind === "open") {
        if (depth === 0 && form) start = t.start;
        depth += 1;
      } else if (t.kind === "close") {
        depth -= 1;
        if (depth === 0 && start !== null) {
          groups.push([start, t.start]);
          start = null;
          if (seenWhere || form !== "CONSTRUCT" || groups.length === 2) break;
        }
      }
    }
    if (!groups.length) throw new QueryError("parameters need a WHERE { ... } group to bind into");
    const last = groups[groups.length - 1];
    return [last[0], last[1], shortConstruct];
  }

  function codeTokens(text) {
    return tokens(text).filter((t) => t.kind !== "comment");
  }

  // The variables a SELECT clause projects as they are (null for `*`), and the index of its WHERE or `{`
  function projection(toks, i) {
    const names = new Set();
    let star = false, depth = 0;
    while (i < toks.length) {
      const t = toks[i];
      if (depth === 0 && (t.kind === "open" || (t.kind === "word" && t.text.toUpperCase() === "WHERE"))) break;
      if (t.text === "(") depth += 1;
      else if (t.text === ")") depth -= 1;
      else if (t.text === "*" && depth === 0) star = true;
      else if (t.kind === "variable" && depth === 0) names.add(t.text.slice(1));
      i += 1;
    }
    if (i < toks.length && toks[i].kind === "word") i += 1;
    return [star ? null : names, i];
  }

  function groupVariables(toks, i) {
    let depth = 0;
    const names = new Set();
    for (const t of toks.slice(i)) {
      if (t.kind === "open") depth += 1;
      else if (t.kind === "close") {
        depth -= 1;
        if (depth === 0) break;
      } else if (t.kind === "variable") names.add(t.text.slice(1));
    }
    return names;
  }

  function modifiersEnd(toks, i, end) {
    let depth = 0;
    for (; i < toks.length; i += 1) {
      const t = toks[i];
      if (t.kind === "open") depth += 1;
      else if (t.kind === "close") {
        if (depth === 0) break;
        depth -= 1;
      }
      end = t.start + t.text.length;
    }
    return end;
  }

  // Every sub-select: its text, the braces of its WHERE group, the variables a parameter is bound in there
  function subSelects(text) {
    const toks = codeTokens(text);
    const found = [], stack = [], pending = [], opened = new Map();
    let i = 0;
    while (i < toks.length) {
      const t = toks[i];
      if (t.kind === "word" && t.text.toUpperCase() === "SELECT" && stack.length) {
        const [projected, next] = projection(toks, i + 1);
        pending.push([t.start, projected]);
        i = next;
        continue;
      }
      if (t.kind === "open") {
        if (pending.length) {
          const [start, projected] = pending.pop();
          let bindable = projected === null ? groupVariables(toks, i) : new Set(projected);
          for (const j of stack) {
            if (j !== null) bindable = new Set([...bindable].filter((v) => opened.get(j).bindable.has(v)));
          }
          opened.set(i, { start: start, bindable: bindable });
          stack.push(i);
        } else {
          stack.push(null);
        }
      } else if (t.kind === "close" && stack.length) {
        const j = stack.pop();
        if (j !== null) {
          const o = opened.get(j);
          found.push({ start: o.start, end: modifiersEnd(toks, i + 1, t.start + 1),
                       openAt: toks[j].start, closeAt: t.start, bindable: o.bindable });
        }
      }
      i += 1;
    }
    return found.sort((a, b) => a.start - b.start);
  }

  function bindSubSelects(text, terms) {
    const edits = [];
    for (const sub of subSelects(text)) {
      const names = Object.keys(terms).filter((n) => sub.bindable.has(n)).sort();
      if (names.length) edits.push([sub.openAt + 1, names.map((n) => ` VALUES ?${n} { ${terms[n]} }`).join("")]);
    }
    edits.sort((a, b) => b[0] - a[0]);
    for (const [at, insert] of edits) text = text.slice(0, at) + insert + text.slice(at);
    return text;
  }

  // The number of the one `LIMIT size` that ends a page's keys
  function pageLimit(text, size) {
    const toks = codeTokens(text);
    const found = [];
    for (let i = 0; i + 1 < toks.length; i += 1) {
      if (toks[i].kind === "word" && toks[i].text.toUpperCase() === "LIMIT" && /^\d$/.test(toks[i + 1].text)) {
        const digits = /\d+/y;
        digits.lastIndex = toks[i + 1].start;
        const m = digits.exec(text);
        if (Number(m[0]) === size) found.push({ start: m.index, end: m.index + m[0].length });
      }
    }
    if (found.length !== 1) {
      throw new QueryError(`a query in pages of ${size} opens with one sub-select ending in LIMIT ${size}`);
    }
    return found[0];
  }

  function withPage(text, entry, page) {
    if (!entry || !entry.page || page === 1) return text;
    const limit = pageLimit(text, entry.page.size);
    return `${text.slice(0, limit.end)} OFFSET ${(page - 1) * entry.page.size}${text.slice(limit.end)}`;
  }

  // A query counting the keys of a listing in pages, from its text with the parameters bound
  function countQuery(text, entry) {
    const limit = pageLimit(text, entry.page.size);
    const sub = subSelects(text).find((s) => s.start < limit.start && limit.start < s.end);
    if (!sub) throw new QueryError(`its LIMIT ${entry.page.size} does not end a sub-select`);
    const head = text.slice(0, whereGroup(text)[0]);
    const form = codeTokens(head).find((t) =>
      t.kind === "word" && ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"].includes(t.text.toUpperCase()));
    const prologue = head.slice(0, form ? form.start : head.length);
    return `${prologue}SELECT (COUNT(*) AS ?keys) WHERE { { ${text.slice(sub.start, sub.closeAt + 1)} } }\n`;
  }

  function bindParams(text, params, entry) {
    const names = Object.keys(params).sort();
    if (entry) {
      const declared = new Set(entry.params.map((p) => p.name));
      const unknown = names.filter((n) => !declared.has(n));
      if (unknown.length) throw new QueryError(`${entry.name} has no parameter ${unknown.join(", ")}`);
      const missing = entry.params.find((p) => !p.optional && !(p.name in params));
      if (missing) throw new QueryError(`${entry.name} needs the parameter ${missing.name}: ${missing.description}`);
    }
    if (!names.length) return text;
    const used = new Set(tokens(text).filter((t) => t.kind === "variable").map((t) => t.text.slice(1)));
    for (const n of names) {
      if (!used.has(n)) throw new QueryError(`the query has no variable ?${n} for the parameter ${n}`);
    }
    const pristine = entry && text === entry.text;
    const terms = {};
    for (const n of names) terms[n] = paramTerm(n, params[n]);
    text = bindSubSelects(text, terms);
    const values = names.map((n) => `VALUES ?${n} { ${terms[n]} } `).join("");
    let [openAt, closeAt, whereAt] = whereGroup(text);
    const inner = text.slice(openAt + 1, closeAt);
    if (whereAt !== null) {
      const head = `${text.slice(0, whereAt)}{${inner}} WHERE `;
      text = head + text.slice(openAt);
      openAt = head.length;
      closeAt = head.length + 1 + inner.length;
    }
    // which of the two forms parses was found when the page was built; an edited query takes the inline one
    const mode = pristine && whereAt === null ? (entry.modes[names.join(",")] || "inline") : "inline";
    if (mode === "wrapped") return `${text.slice(0, openAt + 1)} ${values}{${inner}} ${text.slice(closeAt)}`;
    return `${text.slice(0, openAt + 1)} ${values}${inner}${text.slice(closeAt)}`;
  }

  function withPrefixes(text) {
    const missing = Object.entries(config.prefixes).filter(([p]) =>
      !new RegExp(`PREFIX\\s+${p}\\s*:`, "i").test(text));
    return missing.map(([p, ns]) => `PREFIX ${p}: <${ns}>\n`).join("") + text;
  }

  function selectedEntry() {
    const name = $("catalogue-select").value;
    return config.queries.find((q) => q.name === name) || null;
  }

  function showParams() {
    const entry = selectedEntry();
    const box = $("params");
    box.replaceChildren();
    if (!entry) return;
    $("query").value = entry.text;
    $("description").textContent = entry.answers || entry.title;
    for (const p of entry.params) {
      const label = document.createElement("label");
      label.textContent = `${p.name}${p.optional ? " (optional)" : ""}: ${p.description}`;
      const input = document.createElement("input");
      input.name = p.name;
      input.id = `param-${p.name}`;
      input.dataset.param = p.name;
      input.placeholder = p.example || "";
      label.appendChild(input);
      box.appendChild(label);
    }
    if (entry.page) {
      const label = document.createElement("label");
      label.textContent = `page (${entry.page.size} ${entry.page.unit} a page): `;
      const input = document.createElement("input");
      Object.assign(input, { id: "page", type: "number", min: "1", value: "1" });
      label.appendChild(input);
      box.appendChild(label);
    }
    $("page-prev").hidden = $("page-next").hidden = true;
  }

  function currentPage() {
    const input = $("page");
    const page = input ? Number(input.value || "1") : 1;
    if (!Number.isInteger(page) || page < 1) throw new QueryError("pages are numbered from 1");
    return page;
  }

  async function post(text) {
    return fetch($("endpoint").value, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 Accept: "application/sparql-results+json" },
      body: new URLSearchParams({ query: text }),
    });
  }

  // "page 2 of 20" under a listing in pages, with the buttons to the pages around it
  async function showPage(entry, bound, page, rows) {
    let pages = null;
    try {
      const response = await post(withPrefixes(countQuery(bound, entry)));
      const data = JSON.parse(await response.text());
      const keys = Number(data.results.bindings[0].keys.value);
      pages = Math.max(1, Math.ceil(keys / entry.page.size));
    } catch (err) {
      pages = null;
    }
    const of = pages === null ? "" : ` of ${pages}`;
    status(`${rows} row${rows === 1 ? "" : "s"}, page ${page}${of} (${entry.page.size} ${entry.page.unit} a page)`, false);
    $("page-prev").hidden = page <= 1;
    $("page-next").hidden = pages !== null && page >= pages;
  }

  function turnPage(step) {
    $("page").value = String(currentPage() + step);
    run();
  }

  function currentParams() {
    const params = {};
    for (const input of document.querySelectorAll("#params input[data-param]")) {
      if (input.value.trim() !== "") params[input.dataset.param] = input.value;
    }
    return params;
  }

  function status(text, error) {
    $("status").textContent = text;
    $("status").className = error ? "error" : "";
  }

  function pageFor(value) {
    if (!value.startsWith(config.base)) return null;
    const rest = value.slice(config.base.length);
    const slash = rest.indexOf("/");
    if (slash < 0 || !config.pageKinds.includes(rest.slice(0, slash))) return null;
    return `${rest.slice(0, slash)}/${encodeURIComponent(rest.slice(slash + 1))}.html`;
  }

  function cell(binding) {
    const td = document.createElement("td");
    if (!binding) return td;
    const page = binding.type === "uri" ? pageFor(binding.value) : null;
    if (page) {
      const a = document.createElement("a");
      a.href = page;
      a.textContent = binding.value;
      td.appendChild(a);
    } else {
      td.textContent = binding.type === "bnode" ? `_:${binding.value}` : binding.value;
    }
    return td;
  }

  function showResults(data) {
    const out = $("results");
    out.replaceChildren();
    if (typeof data.boolean === "boolean") {
      out.textContent = data.boolean ? "true" : "false";
      return 1;
    }
    const vars = data.head.vars || [];
    const table = document.createElement("table");
    table.id = "results-table";
    const head = table.createTHead().insertRow();
    for (const v of vars) {
      const th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const b of data.results.bindings) {
      const tr = body.insertRow();
      for (const v of vars) tr.appendChild(cell(b[v]));
    }
    out.appendChild(table);
    return data.results.bindings.length;
  }

  function csv(data) {
    const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const value = (b) => (!b ? "" : b.type === "bnode" ? `_:${b.value}` : b.value);
    const vars = data.head.vars || [];
    const lines = [vars.map(quote).join(",")];
    for (const b of data.results.bindings) lines.push(vars.map((v) => quote(value(b[v]))).join(","));
    return lines.join("\r\n") + "\r\n";
  }

  function download(name, type, text) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  async function run(event) {
    if (event) event.preventDefault();
    const entry = selectedEntry();
    let text, bound, page = 1;
    try {
      bound = bindParams($("query").value, currentParams(), entry);
      const paged = entry && entry.page;
      if (paged) page = currentPage();
      text = withPrefixes(paged ? withPage(bound, entry, page) : bound);
    } catch (err) {
      if (err instanceof QueryError) return status(err.message, true);
      throw err;
    }
    status("running…", false);
    $("download-csv").disabled = $("download-json").disabled = true;
    $("page-prev").hidden = $("page-next").hidden = true;
    lastResult = null;
    let response;
    try {
      response = await post(text);
    } catch (err) {
      return status(`cannot reach the endpoint ${$("endpoint").value}: ${err.message}`, true);
    }
    const body = await response.text();
    if (!response.ok) return status(`the endpoint answered ${response.status}: ${body.slice(0, 400)}`, true);
    let data;
    try {
      data = JSON.parse(body);
    } catch (err) {
      $("results").replaceChildren(Object.assign(document.createElement("pre"), { textContent: body }));
      return status("the endpoint did not answer with SPARQL JSON results; its answer is shown as text", false);
    }
    lastResult = { data: data, json: body };
    const rows = showResults(data);
    status(`${rows} row${rows === 1 ? "" : "s"}`, false);
    $("download-csv").disabled = $("download-json").disabled = typeof data.boolean === "boolean";
    if (entry && entry.page && typeof data.boolean !== "boolean") await showPage(entry, bound, page, rows);
  }

  function init() {
    const select = $("catalogue-select");
    for (const q of config.queries) {
      const option = document.createElement("option");
      option.value = q.name;
      option.textContent = `${q.name}: ${q.title}`;
      select.appendChild(option);
    }
    const endpoint = new URLSearchParams(location.search).get("endpoint");
    $("endpoint").value = endpoint || new URL("../query", location.href).href;
    select.addEventListener("change", showParams);
    $("query-form").addEventListener("submit", run);
    $("page-prev").addEventListener("click", () => turnPage(-1));
    $("page-next").addEventListener("click", () => turnPage(1));
    $("download-csv").addEventListener("click", () =>
      lastResult && download("results.csv", "text/csv", csv(lastResult.data)));
    $("download-json").addEventListener("click", () =>
      lastResult && download("results.json", "application/sparql-results+json", lastResult.json));
    document.body.dataset.ready = "true";
  }

  window.exilegraphQuery = { bindParams: bindParams, paramTerm: paramTerm, run: run,
                             withPage: withPage, countQuery: countQuery };
  init();
})();
