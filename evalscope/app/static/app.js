// Draws every .chart from its JSON data block with the bundled plotly (if it loaded).
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll(".chart")) {
    const data = el.querySelector('script[type="application/json"]');
    if (!data) continue;
    if (typeof Plotly === "undefined") { el.textContent = "plotly is not installed: charts are unavailable"; continue; }
    const fig = JSON.parse(data.textContent);
    Plotly.newPlot(el, fig.data, Object.assign({margin: {t: 40, l: 60, r: 20, b: 60}}, fig.layout || {}),
                   {displaylogo: false, responsive: true});
  }
  for (const box of document.querySelectorAll("input[data-filter-rows]")) {
    const rows = document.querySelectorAll(box.dataset.filterRows);
    box.addEventListener("input", () => {
      const q = box.value.toLowerCase();
      for (const r of rows) r.hidden = q && !r.textContent.toLowerCase().includes(q);
    });
  }
  // A samples page answered from a partial index: keep its count current, reload once the scan is done
  // (unless a sample is open: then offer the reload).
  const scan = document.querySelector(".scanning[data-poll]");
  if (scan) {
    const found = scan.querySelector(".found");
    const poll = async () => {
      let page;
      try { page = await (await fetch(scan.dataset.poll)).json(); } catch (e) { return; }
      found.textContent = page.total;
      scan.querySelector(".pct").textContent = Math.round(100 * page.scanned);
      if (!page.complete) { setTimeout(poll, 1000); return; }
      if (!document.querySelector("details[open]")) { location.reload(); return; }
      scan.textContent = "All files are read now: reload for the complete list and counts.";
    };
    setTimeout(poll, 1000);
  }
});
