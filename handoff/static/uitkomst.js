// "Bewaar uw uitkomst": shows the result of the zelfscan that travels in this page's
// link fragment (#v1.<base64url of zlib-compressed JSON>, made by
// actions/outcome/saved_result.py). A browser never sends the fragment to the server, so
// the result is decoded and shown here only; nothing is stored or sent anywhere.
// Every text is put in with textContent (never as HTML).
(function () {
  "use strict";

  var PREFIX = "v1.";
  var MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december"];
  var LEVELS = { laag: "Groen: laag risico", verhoogd: "Oranje: verhoogd risico", hoog: "Rood: hoog risico" };
  // The page's own words, in the form of address the gemeente chose ("u" or "je").
  var WORDS = {
    u: {
      title: "Uw uitkomst van de zelfscan",
      result: "Hoe staat u ervoor?",
      answer: "Uw antwoord",
      fits: "Dit past bij uw antwoorden:",
      todo: "Wat kunt u nu doen?",
      printHint: "Kies bij het afdrukken ‘Opslaan als PDF’ als u een bestand wilt bewaren.",
      privacy: "Deze pagina is in uw eigen browser gemaakt. De gemeente heeft deze uitkomst niet gekregen en bewaart hem niet.",
      compareIntro: "Hebt u de zelfscan eerder gedaan en die uitkomst bewaard? Plak hier de link van die uitkomst. " +
        "De vergelijking gebeurt alleen in deze browser.",
      lower: "Uw risico is nu lager dan bij de eerdere scan.",
      higher: "Uw risico is nu hoger dan bij de eerdere scan.",
      same: "Uw risico is even hoog als bij de eerdere scan.",
    },
    je: {
      title: "Je uitkomst van de zelfscan",
      result: "Hoe sta je ervoor?",
      answer: "Je antwoord",
      fits: "Dit past bij je antwoorden:",
      todo: "Wat kun je nu doen?",
      printHint: "Kies bij het afdrukken ‘Opslaan als PDF’ als je een bestand wilt bewaren.",
      privacy: "Deze pagina is in je eigen browser gemaakt. De gemeente heeft deze uitkomst niet gekregen en bewaart hem niet.",
      compareIntro: "Heb je de zelfscan eerder gedaan en die uitkomst bewaard? Plak hier de link van die uitkomst. " +
        "De vergelijking gebeurt alleen in deze browser.",
      lower: "Je risico is nu lager dan bij de eerdere scan.",
      higher: "Je risico is nu hoger dan bij de eerdere scan.",
      same: "Je risico is even hoog als bij de eerdere scan.",
    },
  };
  var BROKEN = "Deze link is niet compleet of klopt niet. Daarom kan de uitkomst niet worden getoond. " +
    "Open de link opnieuw vanuit de chat. Kopieer dan de hele link. Of doe de zelfscan nog een keer.";
  var EMPTY = "Er staat geen uitkomst in deze link. Open de link ‘Bewaar uw uitkomst’ vanuit de chat.";
  var OLD_BROWSER = "Deze browser kan de uitkomst niet openen. Gebruik een nieuwere versie van uw browser.";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "class") node.className = attrs[key];
      else if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    [].concat(children || []).forEach(function (child) { if (child) node.append(child); });
    return node;
  }

  function isText(v) { return typeof v === "string" && v.length > 0; }
  function texts(list) { return Array.isArray(list) && list.every(isText); }

  // ------------------------------------------------------------------ decoding

  function bytesOf(base64url) {
    if (!/^[A-Za-z0-9_-]+$/.test(base64url)) throw new Error("not base64url");
    var b64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function inflate(bytes) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text();
  }

  // The fragment (or a whole link) -> the document; rejects when it is broken or incomplete.
  function decode(text) {
    var hash = String(text || "").trim();
    var at = hash.indexOf("#");
    if (at >= 0) hash = hash.slice(at + 1);
    if (hash.indexOf(PREFIX) !== 0) return Promise.reject(new Error("no result"));
    if (typeof DecompressionStream === "undefined") return Promise.reject(new Error("old browser"));
    var bytes;
    try {
      bytes = bytesOf(hash.slice(PREFIX.length));
    } catch (e) {
      return Promise.reject(e);
    }
    return inflate(bytes).then(function (json) {
      var doc = JSON.parse(json);
      if (!valid(doc)) throw new Error("incomplete");
      return doc;
    });
  }

  function valid(doc) {
    if (!doc || typeof doc !== "object" || doc.v !== 1) return false;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(doc.d) || !LEVELS[doc.l] || !isText(doc.m) || !isText(doc.g)) return false;
    if (typeof doc.s !== "number" || typeof doc.sm !== "number") return false;
    var c = doc.c;
    if (!c || !isText(c.n) || !isText(c.f)) return false;
    if (!Array.isArray(doc.zw) || !doc.zw.every(function (w) { return w && isText(w.r) && isText(w.a); })) return false;
    if (!Array.isArray(doc.i) || !doc.i.every(function (i) { return i && isText(i.id) && isText(i.t) && texts(i.y) && isText(i.c); })) return false;
    if (!Array.isArray(doc.p) || !doc.p.every(function (p) { return p && isText(p.n) && isText(p.t); })) return false;
    return true;
  }

  // ------------------------------------------------------------------ showing

  function dutchDate(iso) {
    var parts = iso.split("-").map(Number);
    return parts[2] + " " + MONTHS[parts[1] - 1] + " " + parts[0];
  }

  function paragraphs(text) {
    return String(text).split("\n").map(function (line) { return el("p", { class: "utrecht-paragraph", text: line }); });
  }

  function webLink(url) {
    return /^https?:\/\//.test(url) ? el("a", { class: "utrecht-link", href: url, rel: "noopener noreferrer", text: url }) : url;
  }

  function phoneLink(phone) {
    return el("a", { class: "utrecht-link", href: "tel:" + phone.replace(/[^0-9+]/g, ""), text: phone });
  }

  function section(id, title, children) {
    return el("section", { class: "uitkomst-deel", "aria-labelledby": id }, [el("h2", { class: "utrecht-heading-2", id: id, text: title })].concat(children));
  }

  function render(doc, words) {
    var parts = [];
    parts.push(el("p", { class: "utrecht-paragraph uitkomst-datum" }, [
      el("strong", { text: "Datum van de scan: " }), dutchDate(doc.d)]));
    parts.push(el("p", { class: "utrecht-paragraph" }, ["Gemeente " + doc.g + " · Zelfscan Ondernemers"]));
    var printButton = el("button", { type: "button", class: "utrecht-button utrecht-button--primary-action", id: "afdrukken",
      text: "Afdrukken of opslaan als PDF" });
    printButton.addEventListener("click", function () { window.print(); });
    parts.push(el("div", { class: "no-print uitkomst-knoppen" }, [printButton, el("p", { class: "utrecht-paragraph", text: words.printHint })]));

    var result = [el("p", { class: "utrecht-paragraph uitkomst-niveau uitkomst-niveau--" + doc.l, text: LEVELS[doc.l] }),
      el("p", { class: "utrecht-paragraph", text: doc.m })];
    if (isText(doc.u)) result.push(el("p", { class: "utrecht-paragraph uitkomst-dringend", text: doc.u }));
    parts.push(section("deel-uitkomst", words.result, result));

    if (doc.zw.length) {
      parts.push(section("deel-zwaarst", "Wat woog het zwaarst", [el("ul", { class: "utrecht-unordered-list" },
        doc.zw.map(function (w) {
          return el("li", { class: "utrecht-unordered-list__item" }, [w.r + " ", el("span", { class: "uitkomst-antwoord", text: "(" + words.answer + ": " + w.a + ".)" })]);
        }))].concat(isText(doc.k) ? paragraphs(doc.k) : [])));
    } else if (isText(doc.k)) {
      parts.push(section("deel-zwaarst", "Wat woog het zwaarst", paragraphs(doc.k)));
    }

    var help = [];
    doc.i.forEach(function (ind) {
      var block = el("div", { class: "uitkomst-indicatie" }, paragraphs(ind.t));
      if (ind.y.length) {
        block.append(el("p", { class: "utrecht-paragraph", text: words.fits }));
        block.append(el("ul", { class: "utrecht-unordered-list" }, ind.y.map(function (r) {
          return el("li", { class: "utrecht-unordered-list__item", text: r });
        })));
      }
      block.append.apply(block, paragraphs(ind.c));
      help.push(block);
    });
    if (isText(doc.x)) help = help.concat(paragraphs(doc.x));
    if (help.length) parts.push(section("deel-hulp", "Welke hulp past misschien", help));

    if (doc.p.length) {
      parts.push(section("deel-stappen", words.todo, [el("ol", { class: "utrecht-ordered-list" }, doc.p.map(function (p) {
        var ways = [];
        if (isText(p.f)) ways.push(el("span", {}, ["Telefoon: ", phoneLink(p.f)]));
        if (isText(p.w)) ways.push(el("span", {}, ["Website: ", webLink(p.w)]));
        var item = el("li", { class: "utrecht-ordered-list__item" }, [el("strong", { text: p.n }), el("br"), p.t]);
        ways.forEach(function (w) { item.append(el("br"), w); });
        return item;
      }))]));
    }

    var c = doc.c;
    var contact = el("dl", { class: "uitkomst-dl" }, [
      el("dt", { text: "Naam" }), el("dd", { text: c.n }),
      el("dt", { text: "Telefoon" }), el("dd", {}, [phoneLink(c.f)]),
    ]);
    if (isText(c.h)) contact.append(el("dt", { text: "Bereikbaar" }), el("dd", { text: c.h }));
    if (isText(c.e)) contact.append(el("dt", { text: "E-mail" }), el("dd", {}, [el("a", { class: "utrecht-link", href: "mailto:" + c.e, text: c.e })]));
    if (isText(c.w)) contact.append(el("dt", { text: "Website" }), el("dd", {}, [webLink(c.w)]));
    parts.push(section("deel-contact", "Contact met de gemeente", [contact]));

    parts.push(el("footer", { class: "uitkomst-voet" }, [
      el("p", { class: "utrecht-paragraph", text: "Dit is een uitkomst van een korte scan, geen besluit. De gemeente beslist pas na een aanvraag." }),
      el("p", { class: "utrecht-paragraph", text: words.privacy }),
    ]));
    return parts;
  }

  // ------------------------------------------------------------------ comparing

  function labelsOf(doc, names) {
    if (!doc.i.length) return "geen";
    return doc.i.map(function (i) { return names[i.id] || i.id; }).join(", ");
  }

  function compare(earlier, later, words, names) {
    if (earlier.d > later.d) { var t = earlier; earlier = later; later = t; }
    var rows = [
      ["Uitkomst", function (d) { return LEVELS[d.l]; }],
      ["Punten (hoe meer, hoe hoger het risico)", function (d) { return d.s + " van de " + d.sm; }],
      ["Welke hulp past misschien", function (d) { return labelsOf(d, names); }],
      ["Wat woog het zwaarst", function (d) { return d.zw.length ? d.zw.map(function (w) { return w.r; }).join(" ") : "niets"; }],
    ];
    var table = el("table", { class: "utrecht-table uitkomst-tabel" }, [
      el("caption", { class: "utrecht-table__caption", text: "Eerdere en latere uitkomst naast elkaar" }),
      el("thead", { class: "utrecht-table__header" }, [el("tr", { class: "utrecht-table__row" }, [
        el("th", { class: "utrecht-table__header-cell", scope: "col", text: "" }),
        el("th", { class: "utrecht-table__header-cell", scope: "col", text: "Scan van " + dutchDate(earlier.d) }),
        el("th", { class: "utrecht-table__header-cell", scope: "col", text: "Scan van " + dutchDate(later.d) }),
      ])]),
      el("tbody", { class: "utrecht-table__body" }, rows.map(function (row) {
        return el("tr", { class: "utrecht-table__row" }, [
          el("th", { class: "utrecht-table__header-cell", scope: "row", text: row[0] }),
          el("td", { class: "utrecht-table__cell", text: row[1](earlier) }),
          el("td", { class: "utrecht-table__cell", text: row[1](later) }),
        ]);
      })),
    ]);
    var change = later.s < earlier.s ? words.lower : later.s > earlier.s ? words.higher : words.same;
    return [el("p", { class: "utrecht-paragraph uitkomst-verschil", text: change }), el("div", { class: "uitkomst-tabel-wrap" }, [table])];
  }

  // ------------------------------------------------------------------ page

  function show(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }

  function start() {
    var main = document.getElementById("inhoud");
    var loading = document.getElementById("uitkomst-laden");
    var error = document.getElementById("uitkomst-fout");
    var out = document.getElementById("uitkomst");
    var compareSection = document.getElementById("vergelijk");
    var names = {};
    try { names = JSON.parse(main.dataset.indicationLabels || "{}"); } catch (e) { names = {}; }
    var current = null;

    function load() {
      loading.hidden = false;
      out.hidden = true;
      compareSection.hidden = true;
      show(error, "");
      decode(window.location.hash).then(function (doc) {
        current = doc;
        var words = doc.j ? WORDS.je : WORDS.u;
        document.getElementById("uitkomst-titel").textContent = words.title;
        document.getElementById("vergelijk-uitleg").textContent = words.compareIntro;
        document.title = words.title + " – " + dutchDate(doc.d);
        out.replaceChildren.apply(out, render(doc, words));
        loading.hidden = true;
        out.hidden = false;
        compareSection.hidden = false;
      }, function (e) {
        current = null;
        loading.hidden = true;
        var hash = window.location.hash.replace(/^#/, "");
        show(error, !hash ? EMPTY : e && e.message === "old browser" ? OLD_BROWSER : BROKEN);
      });
    }

    document.getElementById("vergelijk-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var field = document.getElementById("vergelijk-link");
      var compareError = document.getElementById("vergelijk-fout");
      var result = document.getElementById("vergelijk-uitkomst");
      result.replaceChildren();
      show(compareError, "");
      field.removeAttribute("aria-invalid");
      if (!current) return;
      decode(field.value).then(function (earlier) {
        var words = current.j ? WORDS.je : WORDS.u;
        result.replaceChildren.apply(result, compare(earlier, current, words, names));
      }, function () {
        field.setAttribute("aria-invalid", "true");
        show(compareError, "Deze link kan niet worden vergeleken. Plak de hele link van een bewaarde uitkomst.");
        field.focus();
      });
    });
    window.addEventListener("hashchange", load);
    load();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
