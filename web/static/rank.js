// rank.js: progressive enhancement of the rank grid on the ballot page.
// It adds a "Your order" list under the grid with Move up / Move down
// buttons and drag-to-reorder. Every change is written back to the grid's
// radio buttons, which remain the ballot: without this script the grid
// works on its own, with a keyboard, a screen reader or a pointer.
(function () {
  "use strict";
  var grid = document.querySelector("table.rank-grid");
  if (!grid) {
    return;
  }
  var rows = Array.prototype.slice.call(grid.querySelectorAll("tr.rank-row"));
  var maxRank = grid.querySelectorAll("thead th").length - 2;

  function rankOf(row) {
    var c = row.querySelector("input[type=radio]:checked");
    return c && c.value ? parseInt(c.value, 10) || 0 : 0;
  }
  function setRank(row, n) {
    var r = row.querySelector('input[type=radio][value="' + (n > 0 && n <= maxRank ? n : "") + '"]');
    if (r) {
      r.checked = true;
    }
  }
  // The ranked rows in rank order (equal ranks keep the grid's order).
  function ordered() {
    return rows.filter(function (row) { return rankOf(row) > 0; })
      .map(function (row, i) { return { row: row, i: i }; })
      .sort(function (a, b) { return rankOf(a.row) - rankOf(b.row) || a.i - b.i; })
      .map(function (x) { return x.row; });
  }
  function renumber(list) {
    list.forEach(function (row, i) { setRank(row, i + 1); });
  }

  var panel = document.createElement("section");
  panel.className = "rank-order";
  panel.setAttribute("aria-labelledby", "rank-order-h");
  var heading = document.createElement("h2");
  heading.id = "rank-order-h";
  heading.textContent = "Your order";
  var hint = document.createElement("p");
  hint.className = "hint";
  hint.textContent = "Move candidates up or down, or drag them. The grid above changes with the list.";
  var list = document.createElement("ol");
  var empty = document.createElement("p");
  empty.className = "empty";
  empty.textContent = "No one ranked yet: choose ranks in the grid above.";
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  panel.appendChild(heading);
  panel.appendChild(hint);
  panel.appendChild(list);
  panel.appendChild(empty);
  panel.appendChild(status);
  var wrap = grid.closest(".rank-grid-wrap") || grid;
  wrap.parentNode.insertBefore(panel, wrap.nextSibling);

  var dragged = null;

  function move(row, by, focusSel) {
    var order = ordered();
    var i = order.indexOf(row);
    var j = i + by;
    if (i < 0 || j < 0 || j >= order.length) {
      return;
    }
    order.splice(i, 1);
    order.splice(j, 0, row);
    renumber(order);
    render();
    status.textContent = row.getAttribute("data-name") + " is now rank " + (j + 1) + ".";
    var target = list.querySelector('li[data-id="' + row.getAttribute("data-candidate") + '"] ' + focusSel);
    if (target && !target.disabled) {
      target.focus();
    } else {
      var other = list.querySelector('li[data-id="' + row.getAttribute("data-candidate") + '"] button:not([disabled])');
      if (other) {
        other.focus();
      }
    }
  }

  function button(label, text, disabled, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "secondary";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.disabled = disabled;
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    var order = ordered();
    list.textContent = "";
    empty.hidden = order.length > 0;
    order.forEach(function (row, i) {
      var name = row.getAttribute("data-name");
      var li = document.createElement("li");
      li.setAttribute("data-id", row.getAttribute("data-candidate"));
      li.draggable = true;
      var span = document.createElement("span");
      span.textContent = (i + 1) + ". " + name;
      li.appendChild(span);
      li.appendChild(button("Move " + name + " up", "Up", i === 0, function () { move(row, -1, ".up"); }));
      li.lastChild.classList.add("up");
      li.appendChild(button("Move " + name + " down", "Down", i === order.length - 1, function () { move(row, 1, ".down"); }));
      li.lastChild.classList.add("down");
      li.addEventListener("dragstart", function (ev) {
        dragged = row;
        li.classList.add("dragging");
        ev.dataTransfer.effectAllowed = "move";
        ev.dataTransfer.setData("text/plain", name);
      });
      li.addEventListener("dragend", function () {
        dragged = null;
        li.classList.remove("dragging");
      });
      li.addEventListener("dragover", function (ev) {
        if (dragged) {
          ev.preventDefault();
        }
      });
      li.addEventListener("drop", function (ev) {
        ev.preventDefault();
        if (!dragged || dragged === row) {
          return;
        }
        var o = ordered();
        var from = o.indexOf(dragged);
        var to = o.indexOf(row);
        o.splice(from, 1);
        o.splice(to, 0, dragged);
        renumber(o);
        render();
        status.textContent = dragged.getAttribute("data-name") + " is now rank " + (to + 1) + ".";
      });
      list.appendChild(li);
    });
  }

  grid.addEventListener("change", render);
  render();
})();
