// The query page: pick a catalogue query, fill its parameters, run it on the endpoint, show and download.
// Parameters are bound as the toolkit binds them (src/exilegraph/catalogue.py): one `VALUES ?name { term }`
// per parameter at the top of the WHERE group, the term built from the parameter's name and value.
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
    const values = names.map((n) => `VALUES ?${n} { ${paramTerm(n, params[n])} } `).join("");
    let [openAt, closeAt, whereAt] = whereGroup(text);
    const inner = text.slice(openAt + 1, closeAt);
    if (whereAt !== null) {
      const head = `${text.slice(0, whereAt)}{${inner}} WHERE `;
      text = head + text.slice(openAt);
      openAt = head.length;
      closeAt = head.length + 1 + inner.length;
    }
    // which of the two forms parses was found when the page was built; an edited query takes the inline one
    const mode = entry && text === entry.text ? (entry.modes[names.join(",")] || "inline") : "inline";
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
  }

  function currentParams() {
    const params = {};
    for (const input of document.querySelectorAll("#params input")) {
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
    let text;
    try {
      text = withPrefixes(bindParams($("query").value, currentParams(), entry));
    } catch (err) {
      if (err instanceof QueryError) return status(err.message, true);
      throw err;
    }
    status("running…", false);
    $("download-csv").disabled = $("download-json").disabled = true;
    lastResult = null;
    let response;
    try {
      response = await fetch($("endpoint").value, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   Accept: "application/sparql-results+json" },
        body: new URLSearchParams({ query: text }),
      });
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
    $("download-csv").addEventListener("click", () =>
      lastResult && download("results.csv", "text/csv", csv(lastResult.data)));
    $("download-json").addEventListener("click", () =>
      lastResult && download("results.json", "application/sparql-results+json", lastResult.json));
    document.body.dataset.ready = "true";
  }

  window.exilegraphQuery = { bindParams: bindParams, paramTerm: paramTerm, run: run };
  init();
})();
