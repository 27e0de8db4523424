/* The job page's documents: drop files, a folder or a zip; each is sent alone, with its
   progress, and the server's result shown on its row. Also the copy buttons of the agent's
   token and command. No library: XMLHttpRequest gives upload progress. */
(function () {
  "use strict";

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard) return; // the text stays there to select by hand
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = document.getElementById(button.dataset.copy).textContent.trim();
        var label = button.textContent;
        navigator.clipboard.writeText(text).then(function () {
          var words = document.getElementById("drop-words");
          button.textContent = words ? JSON.parse(words.textContent).copied : "✓";
          setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
    });
  }

  function entryFiles(entry) {
    // A dropped folder: every file below it, read through the entries API.
    return new Promise(function (resolve) {
      if (entry.isFile) {
        entry.file(function (file) { resolve([file]); }, function () { resolve([]); });
        return;
      }
      var reader = entry.createReader(), found = [];
      (function more() {
        reader.readEntries(function (entries) {
          if (!entries.length) {
            Promise.all(found).then(function (lists) { resolve([].concat.apply([], lists)); });
            return;
          }
          entries.forEach(function (e) { found.push(entryFiles(e)); });
          more();
        }, function () { resolve([]); });
      })();
    });
  }

  function refreshFigures(html) {
    // The job page's "N received of M expected" line, as the server words it after each file.
    var old = document.getElementById("binaries");
    if (!old || !html) return;
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = holder.content.firstElementChild;
    if (fresh) old.replaceWith(fresh);
  }

  function setUp(zone) {
    var words = JSON.parse(document.getElementById("drop-words").textContent);
    var csrf = zone.querySelector("[name=csrfmiddlewaretoken]").value;
    var table = zone.querySelector("[data-results]");
    var body = table.querySelector("tbody");
    var status = zone.querySelector("[data-status]");
    var queue = [], busy = false, sent = 0, total = 0;

    function row(name) {
      var tr = document.createElement("tr");
      ["name", "progress", "result"].forEach(function (cls) {
        var td = document.createElement("td");
        td.className = cls;
        tr.appendChild(td);
      });
      tr.querySelector(".name").textContent = name;
      var bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      tr.querySelector(".progress").appendChild(bar);
      tr.querySelector(".result").textContent = words.waiting;
      body.appendChild(tr);
      table.hidden = false;
      return tr;
    }

    function said() {
      status.textContent = words.progress.replace("%(done)s", sent).replace("%(total)s", total);
    }

    function show(tr, results) {
      if (results.length === 1 && results[0].name === tr.querySelector(".name").textContent) {
        tr.querySelector(".result").textContent = results[0].message;
        tr.dataset.outcome = results[0].outcome;
        return;
      }
      // An archive (or a file sent under another name): one row per file it held.
      tr.querySelector(".result").textContent = "";
      tr.dataset.outcome = "archive";
      results.forEach(function (r) {
        var extra = row(r.name);
        extra.querySelector(".progress").textContent = "";
        extra.querySelector(".result").textContent = r.message;
        extra.dataset.outcome = r.outcome;
      });
    }

    function next() {
      if (busy || !queue.length) return;
      busy = true;
      var item = queue.shift(), tr = item.row, bar = tr.querySelector("progress");
      var form = new FormData();
      form.append("file", item.file, item.file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", zone.dataset.url);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      tr.querySelector(".result").textContent = words.sending;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
        if (e.loaded === e.total) tr.querySelector(".result").textContent = words.checking;
      };
      xhr.onload = function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
        bar.value = 100;
        if (answer.results) {
          show(tr, answer.results);
          refreshFigures(answer.binaries_html);
        }
        else {
          tr.querySelector(".result").textContent = answer.error || words.failed;
          tr.dataset.outcome = "rejected";
        }
        done();
      };
      xhr.onerror = function () {
        tr.querySelector(".result").textContent = words.failed;
        tr.dataset.outcome = "rejected";
        done();
      };
      xhr.send(form);
    }

    function done() {
      sent += 1; busy = false; said(); next();
    }

    function add(files) {
      files.forEach(function (file) {
        queue.push({ file: file, row: row(file.webkitRelativePath || file.name) });
        total += 1;
      });
      said();
      next();
    }

    zone.querySelectorAll("[data-pick]").forEach(function (input) {
      input.addEventListener("change", function () {
        add(Array.prototype.slice.call(input.files));
        input.value = "";
      });
    });
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      var items = e.dataTransfer.items, entries = [];
      if (items && items.length && items[0].webkitGetAsEntry) {
        entries = Array.prototype.map.call(items, function (i) { return i.webkitGetAsEntry(); });
        entries = entries.filter(Boolean);
      }
      if (entries.length) { // folders are walked; files come as they are
        Promise.all(entries.map(entryFiles)).then(function (lists) {
          add([].concat.apply([], lists));
        });
      } else {
        add(Array.prototype.slice.call(e.dataTransfer.files));
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    copyButtons();
    document.querySelectorAll("[data-documents-drop]").forEach(setUp);
  });
})();
