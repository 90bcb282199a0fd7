// Search without a server: the index is built with the site as search-index.js, loaded
// by a <script> tag before this file, so the page works opened from disk (file://) too;
// search.json is the same index for a page that cannot have it (fetched over HTTP).
// Results are made with textContent only, so nothing in the index can run as markup.
(function () {
  "use strict";
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!input || !status || !list) { return; }
  var query = (new URLSearchParams(window.location.search).get("q") || "").trim();
  input.value = query;
  if (!query) { return; }
  var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  status.textContent = "กำลังค้นหา…";

  function matches(item) {
    var text = [item.t, item.s, item.c, item.k, item.x].join(" ").toLowerCase();
    var compact = text.replace(/\s+/g, "");
    return terms.every(function (t) { return text.indexOf(t) >= 0 || compact.indexOf(t) >= 0; });
  }

  function show(items) {
    var found = items.filter(matches);
    status.textContent = found.length
      ? "พบ " + found.length + " ข่าวสำหรับ “" + query + "”"
      : "ไม่พบข่าวที่ตรงกับ “" + query + "”";
    found.slice(0, 100).forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "news/" + encodeURIComponent(item.id) + ".html";
      a.textContent = item.t;
      var small = document.createElement("small");
      small.textContent = [item.s, item.d].filter(Boolean).join(" · ");
      li.appendChild(a);
      li.appendChild(small);
      list.appendChild(li);
    });
  }

  if (Array.isArray(window.PR_SEARCH_INDEX)) {
    show(window.PR_SEARCH_INDEX);
    return;
  }
  fetch("search.json")
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(show)
    .catch(function () {
      status.textContent = "โหลดดัชนีค้นหาไม่ได้ (เปิดผ่านเว็บเซิร์ฟเวอร์) — ดูข่าวทั้งหมดที่คลังข่าว";
    });
})();
