/* The search page lists the glossary at most once per query.
 *
 * Sphinx lists a page once for every index entry a query matches, besides once for its text,
 * and the glossary directive makes an index entry of every name of every term (English,
 * abbreviation, Chinese). A query such as "RNN" therefore listed the glossary four times
 * (the terms RNN, SRNN and Bi-RNN, and the page). Of the glossary's results only the best
 * scored is kept: the matching term's own entry when there is one, else the page.
 *
 * Loaded with `defer` on search.html only (_ext/page_weight.py): it runs after searchtools.js
 * has defined `Search` and before `Search.init` runs a query from the URL. */
(() => {
  // the documents that hold a glossary, comma-separated, from the script tag
  const glossaries = new Set((document.currentScript.dataset.glossaryDocs || "").split(","));
  const performSearch = Search._performSearch;
  // results are [docname, title, anchor, description, score, filename], lowest score first
  // (the page displays them from the end)
  Search._performSearch = (...args) => {
    const results = performSearch(...args);
    const best = new Map();
    results.forEach((result, i) => {
      if (glossaries.has(result[0])) best.set(result[0], i);
    });
    return results.filter((result, i) => !glossaries.has(result[0]) || best.get(result[0]) === i);
  };
})();
