// The docs' search box: the index (/docs/search.json, built from the pages' Markdown) is fetched
// on first use and searched here by the rule of /docs/search?q= (docs_site.search): every word
// must appear; hits in a title rank first. Without JavaScript the form goes to /docs/search?q=.
(function () {
  const form = document.querySelector(".docs-search");
  if (!form) return;
  const input = form.querySelector("input[type=search]");
  const list = document.getElementById("docs-search-results");
  let index = null;

  function load() {
    if (!index) index = fetch(form.dataset.indexUrl).then((r) => r.json());
    return index;
  }

  function search(entries, query) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
    if (!words.length) return [];
    const found = [];
    entries.forEach((entry, order) => {
      const title = entry.title.toLowerCase(), text = entry.text.toLowerCase();
      if (!words.every((w) => title.includes(w) || text.includes(w))) return;
      let score = 0;
      for (const w of words) score += (title.includes(w) ? 10 : 0) + Math.min(text.split(w).length - 1, 5);
      found.push({ score, order, entry });
    });
    found.sort((a, b) => b.score - a.score || a.order - b.order);
    return found.slice(0, 10).map((f) => f.entry);
  }

  function show(results, query) {
    list.replaceChildren();
    if (!query.trim()) { list.hidden = true; return; }
    if (!results.length) {
      const li = document.createElement("li");
      li.textContent = "Nothing found.";
      list.append(li);
    }
    for (const entry of results) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = entry.url;
      a.textContent = entry.title;
      li.append(a);
      if (entry.title !== entry.page) li.append(" · " + entry.page);
      const p = document.createElement("p");
      const text = entry.text, at = Math.max(text.toLowerCase().indexOf(query.toLowerCase().split(/\s+/)[0]), 0);
      p.textContent = (at > 50 ? "…" : "") + text.slice(Math.max(at - 50, 0), at + 110) + "…";
      li.append(p);
      list.append(li);
    }
    list.hidden = false;
  }

  input.addEventListener("input", () => {
    const query = input.value;
    load().then((entries) => { if (input.value === query) show(search(entries, query), query); });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { list.hidden = true; }
  });
  document.addEventListener("click", (event) => { if (!form.contains(event.target)) list.hidden = true; });
})();
